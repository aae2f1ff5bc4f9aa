package dev.runbook.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Document;
import dev.runbook.model.Inventory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a schema-valid inventory document into the model. */
final class InventoryReader {

    private static final String PROTECTED_SITE = "protectedSite";
    /** The protected site's deprecated spelling, still read (the checker warns where it is written). */
    private static final String SOURCE_SITE = "sourceSite";

    private InventoryReader() {
    }

    static Inventory read(Document doc) {
        JsonNode spec = doc.root().get("spec");
        Map<String, Inventory.Site> sites = new LinkedHashMap<>();
        spec.get("sites").fields().forEachRemaining(e -> sites.put(e.getKey(), new Inventory.Site(e.getKey(),
                e.getValue().get("uri").asText(), e.getValue().get("hardwareProfile").asText(), e.getValue())));
        List<Inventory.NetworkMapping> networks = new ArrayList<>();
        spec.path("networks").forEach(n -> networks.add(new Inventory.NetworkMapping(n.get("source").asText(),
                n.get("production").asText(), n.get("test").asText())));
        List<Inventory.Vm> vms = new ArrayList<>();
        JsonNode list = spec.get("vms");
        for (int i = 0; i < list.size(); i++) {
            JsonNode v = list.get(i);
            List<Inventory.Disk> disks = new ArrayList<>();
            v.get("disks").forEach(d -> disks.add(new Inventory.Disk(d.get("name").asText(),
                    d.get("replica").asText(), d.path("root").asBoolean(false))));
            JsonNode vm = canonical(v);
            vms.add(new Inventory.Vm(vm.get("name").asText(), vm.get(PROTECTED_SITE).asText(),
                    vm.get("recoverySite").asText(), vm.get("os").get("family").asText(),
                    vm.get("hardwareProfile").asText(), List.copyOf(disks), vm, "/spec/vms/" + i));
        }
        return new Inventory(doc, doc.root().get("metadata").get("name").asText(), Map.copyOf(sites),
                List.copyOf(networks), List.copyOf(vms));
    }

    /**
     * The VM entry as the names read now: {@code sourceSite} becomes {@code protectedSite} in its place, so
     * that expressions, templates and plans see one name whichever spelling the file has.
     */
    private static JsonNode canonical(JsonNode vm) {
        if (!vm.has(SOURCE_SITE)) {
            return vm;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        vm.fields().forEachRemaining(e -> out.set(e.getKey().equals(SOURCE_SITE) ? PROTECTED_SITE : e.getKey(),
                e.getValue()));
        return out;
    }
}
