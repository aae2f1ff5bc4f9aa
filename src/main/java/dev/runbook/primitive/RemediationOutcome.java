package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/** How {@code remediation.await-status} ends once a VM's report is in, on any site. */
public final class RemediationOutcome {

    /** The statuses after which a guest reports nothing more. */
    public static final Set<String> FINAL = Set.of("succeeded", "partial", "failed");

    private RemediationOutcome() {
    }

    /**
     * The step's result for the VM's remediation entry: {@code not-scheduled} when nothing was staged, else
     * the status, its reason and the guest's actions. Remediation does not undo a failover: the status is
     * recorded and shown, and the operator decides. Only a status the runbook names in {@code failOn}
     * fails the step.
     */
    public static JsonNode conclude(Call call, String vm, JsonNode entry) throws PrimitiveException {
        if (entry.isMissingNode()) {
            return StateFile.JSON.createObjectNode().put("status", "not-scheduled");
        }
        String status = entry.path("status").asText();
        String reason = entry.path("reason").asText("");
        if (failOn(call).contains(status)) {
            throw CallSupport.fail("remediation of %s ended %s%s: %s", vm, status, reason.isEmpty() ? "" : " (" + reason + ")",
                    actions(entry.path("actions")));
        }
        ObjectNode out = StateFile.JSON.createObjectNode().put("status", status);
        if (!reason.isEmpty()) {
            out.put("reason", reason);
        }
        out.set("actions", entry.path("actions").deepCopy());
        return out;
    }

    /**
     * The step's result when the deadline passed without a final report: {@code failed} with the reason,
     * never a silent success; a failure only when the runbook fails on {@code failed}.
     */
    public static JsonNode noReport(Call call, String vm, String reason) throws PrimitiveException {
        return conclude(call, vm, StateFile.JSON.createObjectNode().put("status", "failed").put("reason", reason)
                .set("actions", StateFile.JSON.createArrayNode()));
    }

    private static List<String> failOn(Call call) throws PrimitiveException {
        return call.params().has("failOn") ? CallSupport.texts(call, "failOn") : List.of();
    }

    /** The guest's actions on one line: "network succeeded (10.0.0.5/24 on eth0); ...". */
    public static String actions(JsonNode actions) {
        StringBuilder out = new StringBuilder();
        for (JsonNode a : actions) {
            out.append(out.isEmpty() ? "" : "; ").append(a.path("action").asText()).append(' ')
                    .append(a.path("outcome").asText());
            if (!a.path("detail").asText().isEmpty()) {
                out.append(" (").append(a.path("detail").asText()).append(')');
            }
        }
        return out.isEmpty() ? "no actions reported" : out.toString();
    }
}
