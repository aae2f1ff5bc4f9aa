package dev.runbook.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Document;
import dev.runbook.model.Inventory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Semantic rules over an inventory that passed its schema. */
public final class InventoryChecker {

    /** One inventory rule: an id, a summary and the check. */
    interface InventoryRule extends RuleInfo {
        void check(Inventory inventory, Report report);
    }

    /** Where an inventory rule reports. */
    record Report(Document doc, String rule, List<Diagnostic> out) {
        void error(String pointer, String message) {
            out.add(Diagnostic.error(doc.at(pointer), rule, message));
        }

        void errorAtKey(String pointer, String message) {
            out.add(Diagnostic.error(doc.keyAt(pointer), rule, message));
        }

        void warning(String pointer, String message) {
            out.add(Diagnostic.warning(doc.at(pointer), rule, message));
        }

        void warningAtKey(String pointer, String message) {
            out.add(Diagnostic.warning(doc.keyAt(pointer), rule, message));
        }
    }

    static final List<InventoryRule> RULES = List.of(new UniqueNames(), new SitesExist(), new OneRootDisk(),
            new NetworksMapped(), new PolicyFitsOs(), DeprecatedNames.RULE);

    private InventoryChecker() {
    }

    public static List<Diagnostic> check(Inventory inventory) {
        List<Diagnostic> out = new ArrayList<>();
        for (InventoryRule rule : RULES) {
            rule.check(inventory, new Report(inventory.document(), rule.id(), out));
        }
        return out;
    }

    /** The key a VM entry names its protected site with in the file: {@code protectedSite}, or the deprecated one. */
    static String protectedSiteKey(Inventory inv, Inventory.Vm vm) {
        return inv.document().root().at(vm.pointer()).has(DeprecatedNames.SOURCE_SITE) ? DeprecatedNames.SOURCE_SITE
                : "protectedSite";
    }

    static final class UniqueNames implements InventoryRule {
        public String id() {
            return "duplicate-name";
        }

        public String summary() {
            return "VM names, domain names and NIC MAC addresses are unique in the inventory.";
        }

        public void check(Inventory inv, Report r) {
            Map<String, String> names = new HashMap<>();
            Map<String, String> macs = new HashMap<>();
            for (Inventory.Vm vm : inv.vms()) {
                String first = names.putIfAbsent(vm.name(), vm.pointer());
                if (first != null) {
                    r.error(vm.pointer() + "/name", "VM name '" + vm.name() + "' is already used at "
                            + r.doc().at(first + "/name"));
                }
                JsonNode nics = vm.json().path("nics");
                for (int i = 0; i < nics.size(); i++) {
                    String mac = nics.get(i).path("mac").asText().toLowerCase();
                    String at = vm.pointer() + "/nics/" + i + "/mac";
                    String firstMac = macs.putIfAbsent(mac, at);
                    if (firstMac != null) {
                        r.error(at, "MAC " + mac + " is already used at " + r.doc().at(firstMac));
                    }
                }
            }
        }
    }

    static final class SitesExist implements InventoryRule {
        public String id() {
            return "unknown-site";
        }

        public String summary() {
            return "A VM's protected and recovery sites are defined and differ.";
        }

        public void check(Inventory inv, Report r) {
            for (Inventory.Vm vm : inv.vms()) {
                for (String key : List.of(protectedSiteKey(inv, vm), "recoverySite")) {
                    String site = inv.document().root().at(vm.pointer()).get(key).asText();
                    if (!inv.sites().containsKey(site)) {
                        r.error(vm.pointer() + "/" + key, "site '" + site + "' is not defined under sites; defined: "
                                + String.join(", ", inv.sites().keySet().stream().sorted().toList()));
                    }
                }
                if (vm.protectedSite().equals(vm.recoverySite())) {
                    r.error(vm.pointer() + "/recoverySite", "VM '" + vm.name() + "' recovers onto its own protected site '"
                            + vm.protectedSite() + "'; name another site");
                }
            }
        }
    }

    static final class OneRootDisk implements InventoryRule {
        public String id() {
            return "root-disk";
        }

        public String summary() {
            return "Each VM has exactly one root disk, and disk names and replicas are unique.";
        }

        public void check(Inventory inv, Report r) {
            for (Inventory.Vm vm : inv.vms()) {
                long roots = vm.disks().stream().filter(Inventory.Disk::root).count();
                if (roots != 1) {
                    r.errorAtKey(vm.pointer() + "/disks", "VM '" + vm.name() + "' has " + roots
                            + " root disks; mark exactly one disk with 'root: true'");
                }
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < vm.disks().size(); i++) {
                    if (!seen.add(vm.disks().get(i).name())) {
                        r.error(vm.pointer() + "/disks/" + i + "/name", "disk name '" + vm.disks().get(i).name()
                                + "' is used twice in VM '" + vm.name() + "'");
                    }
                }
            }
        }
    }

    static final class NetworksMapped implements InventoryRule {
        public String id() {
            return "unmapped-network";
        }

        public String summary() {
            return "Every captured NIC's network has a production and a test mapping.";
        }

        public void check(Inventory inv, Report r) {
            Set<String> mapped = new HashSet<>();
            for (int i = 0; i < inv.networks().size(); i++) {
                if (!mapped.add(inv.networks().get(i).source())) {
                    r.error("/spec/networks/" + i + "/source", "network '" + inv.networks().get(i).source()
                            + "' is mapped twice");
                }
            }
            for (Inventory.Vm vm : inv.vms()) {
                JsonNode nics = vm.json().path("nics");
                for (int i = 0; i < nics.size(); i++) {
                    String net = nics.get(i).path("network").asText();
                    if (!mapped.contains(net)) {
                        r.error(vm.pointer() + "/nics/" + i + "/network", "network '" + net
                                + "' has no mapping; add it under networks with its production and test networks");
                    }
                }
            }
        }
    }

    static final class PolicyFitsOs implements InventoryRule {
        private static final Set<String> LINUX = Set.of("restore-static", "preserve");
        private static final Set<String> WINDOWS = Set.of("restore-source", "preserve-target", "manual");

        public String id() {
            return "policy";
        }

        public String summary() {
            return "The remediation network mode fits the OS family; manual mode gives its IPv4 settings.";
        }

        public void check(Inventory inv, Report r) {
            for (Inventory.Vm vm : inv.vms()) {
                JsonNode policy = vm.json().get("remediation");
                String mode = policy.get("network").asText();
                String at = vm.pointer() + "/remediation/network";
                Set<String> allowed = vm.osFamily().equals("linux") ? LINUX : WINDOWS;
                if (!allowed.contains(mode)) {
                    r.error(at, "network mode '" + mode + "' does not apply to " + vm.osFamily() + "; use one of "
                            + allowed.stream().sorted().toList());
                }
                if (mode.equals("manual") && !policy.has("manual")) {
                    r.error(at, "manual mode needs 'manual' with the static IPv4 settings to apply");
                }
                if (!mode.equals("manual") && policy.has("manual")) {
                    r.warning(vm.pointer() + "/remediation/manual", "'manual' settings are ignored in mode '" + mode + "'");
                }
                boolean anyStatic = false;
                for (JsonNode nic : vm.json().path("nics")) {
                    anyStatic |= nic.path("ipv4").isObject();
                }
                if ((mode.equals("restore-static") || mode.equals("restore-source")) && !anyStatic) {
                    r.warning(at, "mode '" + mode + "' but no NIC of '" + vm.name()
                            + "' has a captured static IPv4; guest networking will be left alone");
                }
            }
        }
    }
}
