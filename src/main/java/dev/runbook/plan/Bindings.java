package dev.runbook.plan;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Scope;
import dev.runbook.model.Inventory;
import dev.runbook.model.Runbook;
import dev.runbook.primitive.SiteBindings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The names expressions and templates read. {@code vm} is the inventory entry plus {@code rootDisk}
 * (the root disk entry) and {@code replicas} (every replica path, in order); {@code recoverySite} and
 * {@code protectedSite} are site entries plus their {@code name}; {@code networks} maps each source
 * network to its {@code production} and {@code test} networks. The deprecated {@code site} and
 * {@code sourceSite} are bound where they are read ({@link Scope#DEPRECATED}), never stored.
 */
final class Bindings {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Bindings() {
    }

    static Map<String, JsonNode> roots(Runbook runbook, Inventory inventory, Inventory.Vm vm,
                                       Map<String, JsonNode> inputs) {
        Map<String, JsonNode> roots = new LinkedHashMap<>();
        ObjectNode in = JSON.objectNode();
        inputs.forEach(in::set);
        roots.put("inputs", in);
        ObjectNode v = vm.json().deepCopy();
        ArrayNode replicas = JSON.arrayNode();
        for (JsonNode d : vm.json().get("disks")) {
            replicas.add(d.get("replica").asText());
            if (d.path("root").asBoolean(false)) {
                v.set("rootDisk", d.deepCopy());
            }
        }
        v.set("replicas", replicas);
        roots.put("vm", v);
        roots.put(SiteBindings.RECOVERY, site(inventory, vm.recoverySite()));
        roots.put(SiteBindings.PROTECTED, site(inventory, vm.protectedSite()));
        ObjectNode networks = JSON.objectNode();
        for (Inventory.NetworkMapping m : inventory.networks()) {
            networks.set(m.source(), JSON.objectNode().put("production", m.production()).put("test", m.test()));
        }
        roots.put("networks", networks);
        roots.put("runbook", JSON.objectNode().put("name", runbook.metadata().name())
                .put("version", runbook.metadata().version()).put("operation", runbook.operation().id()));
        return roots;
    }

    private static JsonNode site(Inventory inventory, String name) {
        Inventory.Site site = inventory.sites().get(name);
        ObjectNode out = site == null ? JSON.objectNode() : site.json().deepCopy();
        out.put("name", name);
        return out;
    }

    /** The same names as plain maps and lists for FreeMarker (which binds the deprecated ones as it renders). */
    static Map<String, Object> templateModel(Map<String, JsonNode> roots) {
        Map<String, Object> model = new LinkedHashMap<>();
        roots.forEach((k, v) -> model.put(k, Planner.MAPPER.convertValue(v, new TypeReference<Object>() { })));
        return model;
    }
}
