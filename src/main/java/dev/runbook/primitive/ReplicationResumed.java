package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a VM's replication runs again after a rollback: its last sync in its direction succeeded with no
 * checkpoint pending and its controller runs; forward, also its export active and its controller in
 * replication mode. Both site adapters check it the same
 * way from their replication entry.
 */
public final class ReplicationResumed {

    private ReplicationResumed() {
    }

    /**
     * The replication state when it runs again.
     *
     * @param entry           the VM's replication entry on its recovery site (missing when there is none)
     * @param controllerState the controller domain's power state
     * @throws PrimitiveException saying each thing that keeps replication from running, and what to do
     */
    public static ObjectNode verify(String vm, String site, JsonNode entry, String controller, String controllerState)
            throws PrimitiveException {
        List<String> wrong = new ArrayList<>();
        if (entry.isMissingNode()) {
            wrong.add("the site has no replication entry for it");
        } else {
            // Replicating back home (after a reprotect) the recovered VM is production and sends: it has no
            // target-side export and stays in failover mode; forward, the target receives through its export.
            boolean forward = ReplicationDirection.of(entry).equals(ReplicationDirection.FORWARD);
            String export = entry.path("export").asText();
            if (forward && !export.equals("active")) {
                wrong.add("its export is " + export);
            }
            if (forward && ReplicationDirection.mode(entry).equals("failover")) {
                wrong.add("its controller is still in failover mode");
            }
            String last = entry.path("lastResult").asText();
            if (!last.equals("succeeded")) {
                wrong.add("its last sync is " + (last.isEmpty() ? "unknown" : last));
            }
            if (entry.path("checkpointPending").asBoolean(false)) {
                wrong.add("a checkpoint is pending");
            }
        }
        if (!controllerState.equals("running")) {
            wrong.add("controller " + controller + " is " + controllerState);
        }
        if (!wrong.isEmpty()) {
            throw CallSupport.fail("replication of %s has not resumed on site '%s': %s; fix that, then `runbook "
                    + "replication sync --vm %s`", vm, site, String.join(", ", wrong), vm);
        }
        return StateFile.JSON.createObjectNode().put("vm", vm).put("direction", ReplicationDirection.of(entry))
                .put("export", entry.path("export").asText()).put("mode", ReplicationDirection.mode(entry))
                .put("controller", controller)
                .put("controllerState", controllerState).put("lastResult", "succeeded")
                .put("lastSync", entry.path("lastSync").asText());
    }
}
