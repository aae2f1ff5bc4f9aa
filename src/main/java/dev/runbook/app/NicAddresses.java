package dev.runbook.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * Expected against observed addresses of a run's VM, NIC by NIC: what the inventory captured (a static
 * IPv4 or DHCP), the network the plan attaches the NIC to, and what the guest reported doing for that
 * NIC's MAC; "not observed" when no report names it.
 */
final class NicAddresses {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private NicAddresses() {
    }

    /**
     * @param actions     the planned actions, whose {@code with.nics} name the network each MAC goes to
     * @param steps       the run's steps by id, as the report shows them
     * @param remediation the run's remediation status with the guest's actions, or null
     */
    static ArrayNode of(JsonNode plan, List<ObjectNode> actions, Map<String, ObjectNode> steps, ObjectNode remediation) {
        JsonNode vm = plan.path("bindings").path("vm");
        ArrayNode out = MAPPER.createArrayNode();
        for (JsonNode nic : vm.path("nics")) {
            String mac = nic.path("mac").asText();
            ObjectNode n = out.addObject().put("vm", vm.path("name").asText(null)).put("nic", nic.path("name").asText(null))
                    .put("mac", mac).put("sourceNetwork", nic.path("network").asText(null))
                    .put("policy", vm.path("remediation").path("network").asText(null));
            n.set("expected", expected(nic.path("ipv4")));
            attached(mac, actions, steps).ifPresent(a -> n.set("attachedTo", a));
            n.set("observed", observed(mac, remediation));
        }
        return out;
    }

    private static ObjectNode expected(JsonNode ipv4) {
        ObjectNode e = MAPPER.createObjectNode();
        if (ipv4.isObject()) {
            e.put("mode", "static").put("address", ipv4.path("address").asText() + "/" + ipv4.path("prefix").asText())
                    .put("gateway", ipv4.path("gateway").asText(null));
            ArrayNode dns = e.putArray("dns");
            ipv4.path("dns").forEach(d -> dns.add(d.asText()));
        } else {
            e.put("mode", ipv4.isTextual() ? ipv4.asText() : "unknown");
        }
        return e;
    }

    /** The network a planned step attaches this MAC to, and how that step went. */
    private static java.util.Optional<ObjectNode> attached(String mac, List<ObjectNode> actions, Map<String, ObjectNode> steps) {
        for (ObjectNode a : actions) {
            for (JsonNode n : a.path("with").path("nics")) {
                if (n.path("mac").asText().equalsIgnoreCase(mac) && n.path("network").isTextual()) {
                    String id = a.path("id").asText();
                    ObjectNode step = steps.get(id);
                    return java.util.Optional.of(MAPPER.createObjectNode().put("network", n.get("network").asText())
                            .put("step", id).put("stepState", step == null ? "not-executed" : step.path("state").asText()));
                }
            }
        }
        return java.util.Optional.empty();
    }

    private static ObjectNode observed(String mac, ObjectNode remediation) {
        if (remediation != null) {
            for (JsonNode a : remediation.path("actions")) {
                if (a.path("action").asText().equalsIgnoreCase("network " + mac)) {
                    return MAPPER.createObjectNode().put("status", a.path("outcome").asText())
                            .put("detail", a.path("detail").asText()).put("source", "the guest's remediation report");
                }
            }
        }
        return MAPPER.createObjectNode().put("status", "not-observed").put("detail", remediation == null
                ? "the run recorded no guest report" : "the guest's report names no action for this MAC");
    }
}
