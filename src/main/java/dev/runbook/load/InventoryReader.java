package dev.runbook.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.model.Document;
import dev.runbook.model.Inventory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a schema-valid inventory document into the model. */
final class InventoryReader {

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
            vms.add(new Inventory.Vm(v.get("name").asText(), v.get("sourceSite").asText(),
                    v.get("recoverySite").asText(), v.get("os").get("family").asText(),
                    v.get("hardwareProfile").asText(), List.copyOf(disks), v, "/spec/vms/" + i));
        }
        return new Inventory(doc, doc.root().get("metadata").get("name").asText(), Map.copyOf(sites),
                List.copyOf(networks), List.copyOf(vms));
    }
}
