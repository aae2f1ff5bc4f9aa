package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * One invocation of a primitive.
 *
 * @param runId    the run that makes the call
 * @param stepId   the step (or compensated step) it belongs to; with {@code runId} and {@code phase} it is
 *                 the call's idempotency key
 * @param phase    whether this applies the step, compensates it, or probes for a precheck
 * @param params   the resolved parameters
 * @param bindings the plan's static names ({@code vm}, {@code recoverySite}, {@code protectedSite},
 *                 {@code networks}): where the VM's sites, disks and domains are; a plan saved with the
 *                 sites' earlier keys is read under these ({@link SiteBindings})
 */
public record Call(String runId, String stepId, Phase phase, JsonNode params, Map<String, JsonNode> bindings) {

    public Call {
        bindings = SiteBindings.canonical(bindings);
    }

    /** Why a primitive is called. */
    public enum Phase {
        APPLY, COMPENSATE, PROBE;

        public String id() {
            return name().toLowerCase();
        }
    }

    /** The call's idempotency key: run, step and phase. */
    public String key() {
        return runId + "/" + stepId + "/" + phase.id();
    }

    public String text(String param) {
        return params.path(param).asText();
    }
}
