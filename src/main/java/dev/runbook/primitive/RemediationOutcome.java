package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** How {@code remediation.await-status} ends once a VM's report is in, on any site. */
public final class RemediationOutcome {

    /** The statuses after which a guest reports nothing more. */
    public static final Set<String> FINAL = Set.of("succeeded", "partial", "failed");

    private RemediationOutcome() {
    }

    /**
     * The step's result for the VM's remediation entry: {@code not-scheduled} when nothing was staged,
     * a failure for a status in {@code failOn} (always including {@code failed}: no report, or nothing
     * applied, is never a success), else the status and the guest's actions.
     */
    public static JsonNode conclude(Call call, String vm, JsonNode entry) throws PrimitiveException {
        if (entry.isMissingNode()) {
            return StateFile.JSON.createObjectNode().put("status", "not-scheduled");
        }
        String status = entry.path("status").asText();
        if (failOn(call).contains(status)) {
            throw CallSupport.fail("remediation of %s ended %s: %s", vm, status, actions(entry.path("actions")));
        }
        ObjectNode out = StateFile.JSON.createObjectNode().put("status", status);
        out.set("actions", entry.path("actions").deepCopy());
        return out;
    }

    private static List<String> failOn(Call call) throws PrimitiveException {
        List<String> out = new ArrayList<>(call.params().has("failOn") ? CallSupport.texts(call, "failOn") : List.of());
        out.add("failed");
        return out;
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
