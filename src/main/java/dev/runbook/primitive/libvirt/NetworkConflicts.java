package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.HypervisorSpecs;
import dev.runbook.primitive.PrimitiveException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The network identity probe: whether what a VM brings back to a site is already taken there. A MAC that
 * another domain of the site has on the NIC's destination network (running, or only defined: starting it
 * later would clash) is a conflict, and so is a static IPv4 address that the destination network holds for
 * itself or reserves for another MAC. The VM's own domain (its controller, which carries its MACs) is left
 * out, and so is a MAC on another network: it is another segment.
 */
final class NetworkConflicts extends LibvirtPrimitive {

    NetworkConflicts() {
        super(HypervisorSpecs.NETWORK_CONFLICTS);
    }

    @Override
    SiteRef home(Call call) throws PrimitiveException {
        return named(call);
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        String own = CallSupport.text(call, "domain");
        JsonNode nics = call.params().path("nics");
        if (!nics.isArray()) {
            throw CallSupport.fail("parameter 'nics' of %s is %s, not a list", call.stepId(), nics);
        }
        ObjectNode out = object();
        ArrayNode conflicts = out.putArray("conflicts");
        Session.read(home(call), session -> {
            Map<String, List<Session.Nic>> byMac = new HashMap<>();
            for (Session.Nic n : session.nics()) {
                if (!n.domain().equals(own)) {
                    byMac.computeIfAbsent(n.mac(), k -> new java.util.ArrayList<>()).add(n);
                }
            }
            Map<String, List<Map.Entry<String, String>>> held = new HashMap<>();
            for (JsonNode nic : nics) {
                String mac = nic.path("mac").asText().toLowerCase(Locale.ROOT);
                String network = nic.path("network").asText("");
                for (Session.Nic other : byMac.getOrDefault(mac, List.of())) {
                    if (other.network().equals(network)) {
                        conflicts.add("MAC " + mac + " is used on network " + network + " by domain " + other.domain()
                                + " (" + other.state() + ")");
                    }
                }
                String address = nic.path("address").asText("");
                if (address.isEmpty() || network.isEmpty()) {
                    continue;
                }
                if (!held.containsKey(network)) {
                    held.put(network, session.networkAddresses(network));
                }
                for (Map.Entry<String, String> h : held.get(network)) {
                    if (!h.getKey().equals(address) || h.getValue().equals(mac)) {
                        continue;
                    }
                    conflicts.add(address + " on network " + network + (h.getValue().isEmpty()
                            ? " is the network's own address" : " is reserved for MAC " + h.getValue()));
                }
            }
            return null;
        });
        out.put("count", conflicts.size());
        return out;
    }
}
