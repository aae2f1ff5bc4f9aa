package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Inventory;

/** What a freshly seeded site holds for one protected VM, on its protected site and on its recovery site. */
final class SiteSeed {

    /** The network controller domains attach to while they receive replication. */
    static final String REPLICATION_NETWORK = "dr-replication";

    private SiteSeed() {
    }

    /** The running source domain, its disks and the networks of its NICs. */
    static void source(ObjectNode state, Inventory.Vm vm) {
        JsonNode v = vm.json();
        ObjectNode domain = domain(state, v.get("sourceDomain").asText(), v.path("compute").path("vcpus").asInt(1),
                v.path("compute").path("memoryMiB").asInt(1024), v.path("firmware").asText("bios"));
        for (JsonNode d : v.get("disks")) {
            String path = d.get("source").asText();
            domain.withArrayProperty("disks").add(path);
            disk(state, path, content(vm, d));
        }
        for (JsonNode nic : v.path("nics")) {
            String network = nic.get("network").asText();
            domain.withArrayProperty("nics").addObject().put("mac", nic.get("mac").asText()).put("network", network);
            network(state, network);
        }
    }

    /** The running controller domain, in-sync replicas, an active export and every mapped network. */
    static void recovery(ObjectNode state, Inventory.Vm vm, Inventory inventory) {
        JsonNode v = vm.json();
        ObjectNode domain = domain(state, v.get("controllerDomain").asText(), 1, 1024, "bios");
        String boot = "/controller/" + vm.name() + "-boot.qcow2";
        domain.withArrayProperty("disks").add(boot);
        disk(state, boot, "controller:" + vm.name());
        for (JsonNode d : v.get("disks")) {
            String replica = d.get("replica").asText();
            domain.withArrayProperty("disks").add(replica);
            disk(state, replica, content(vm, d));
        }
        for (JsonNode nic : v.path("nics")) {
            domain.withArrayProperty("nics").addObject().put("mac", nic.get("mac").asText())
                    .put("network", REPLICATION_NETWORK);
        }
        LocalSite.section(state, "replication").putObject(vm.name()).put("export", "active")
                .put("lastResult", "succeeded").put("lastSync", LocalSite.SEEDED_SYNC).put("checkpointPending", false);
        for (Inventory.NetworkMapping m : inventory.networks()) {
            network(state, m.production());
            network(state, m.test());
        }
        network(state, REPLICATION_NETWORK);
    }

    private static ObjectNode domain(ObjectNode state, String name, int vcpus, int memoryMiB, String firmware) {
        ObjectNode domain = LocalSite.section(state, "domains").putObject(name);
        domain.put("state", "running").put("vcpus", vcpus).put("memoryMiB", memoryMiB).put("firmware", firmware);
        domain.putArray("disks");
        domain.putArray("nics");
        return domain;
    }

    private static void disk(ObjectNode state, String path, String content) {
        ObjectNode disk = LocalSite.section(state, "disks").putObject(path);
        disk.put("format", "qcow2").put("content", content).putObject("snapshots");
    }

    private static void network(ObjectNode state, String name) {
        LocalSite.section(state, "networks").putObject(name).put("active", true);
    }

    private static String content(Inventory.Vm vm, JsonNode disk) {
        return vm.name() + ":" + disk.get("name").asText() + ":v1";
    }
}
