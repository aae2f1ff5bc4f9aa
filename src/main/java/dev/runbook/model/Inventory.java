package dev.runbook.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Sites, protected VMs and network mappings. The JSON of each part is kept for expressions. */
public record Inventory(Document document, String name, Map<String, Site> sites, List<NetworkMapping> networks,
                        List<Vm> vms) {

    public Optional<Vm> vm(String name) {
        return vms.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    public record Site(String name, String uri, String hardwareProfile, JsonNode json) {
    }

    public record NetworkMapping(String source, String production, String test) {
    }

    /**
     * A protected VM as captured, with the pointer of its entry: it runs in production on its protected
     * site and fails over to its recovery site. Its JSON names the protected site {@code protectedSite},
     * also when the file has the deprecated {@code sourceSite}.
     */
    public record Vm(String name, String protectedSite, String recoverySite, String osFamily, String hardwareProfile,
                     List<Disk> disks, JsonNode json, String pointer) {

        public Optional<Disk> rootDisk() {
            return disks.stream().filter(Disk::root).findFirst();
        }
    }

    public record Disk(String name, String replica, boolean root) {
    }
}
