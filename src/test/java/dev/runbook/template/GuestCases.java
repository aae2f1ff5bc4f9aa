package dev.runbook.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Inventory VM entries covering every template, network stack and network mode. */
final class GuestCases {

    static final Path TEMPLATES = Path.of("templates");
    static final ObjectMapper JSON = new ObjectMapper();

    static final List<String> LINUX_FILES = List.of("linux/firstboot.sh.ftl", "linux/runbook-firstboot.service.ftl");
    static final List<String> WINDOWS_FILES = List.of("windows/firstboot.ps1.ftl", "windows/postreboot.ps1.ftl");

    private GuestCases() {
    }

    static final String STATIC = """
            {"address": "10.10.0.21", "prefix": 24, "gateway": "10.10.0.1", "dns": ["10.10.0.2", "10.10.0.3"],
             "searchDomains": ["example.internal"]}""";

    /** Case name to VM entry. */
    static Map<String, JsonNode> all() {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        m.put("linux-netplan", linux("ubuntu-22.04", null, "restore-static",
                nic("ens160", "52:54:00:10:00:01", STATIC) + "," + nic("ens192", "52:54:00:10:00:11", "\"dhcp\"")));
        m.put("linux-networkmanager", linux("rhel-9", null, "restore-static", nic("eth0", "52:54:00:10:00:04", STATIC)));
        m.put("linux-ifcfg", linux("rhel-8", null, "restore-static", nic("eth0", "52:54:00:10:00:05", STATIC)));
        m.put("linux-networkd", linux("debian-12", "systemd-networkd", "restore-static",
                nic("enp1s0", "52:54:00:10:00:06", """
                        {"address": "172.16.5.9", "prefix": 20}""")));
        m.put("linux-dhcp", linux("ubuntu-24.04", null, "restore-static", nic("eth0", "52:54:00:10:00:07", "\"dhcp\"")));
        m.put("linux-preserve", linux("rhel-9", null, "preserve", nic("eth0", "52:54:00:10:00:08", STATIC)));
        m.put("windows-restore-source", windows("restore-source", ""));
        m.put("windows-preserve-target", windows("preserve-target", ""));
        m.put("windows-manual", windows("manual", """
                , "manual": {"address": "192.168.60.40", "prefix": 25, "gateway": "192.168.60.1", "dns": ["192.168.60.2"]}"""));
        return m;
    }

    static List<String> files(JsonNode vm) {
        return vm.at("/os/family").asText().equals("linux") ? LINUX_FILES : WINDOWS_FILES;
    }

    static String nic(String name, String mac, String ipv4) {
        return """
                {"name": "%s", "mac": "%s", "network": "prod-lan", "ipv4": %s}""".formatted(name, mac, ipv4);
    }

    static JsonNode linux(String flavour, String stack, String mode, String nics) {
        String os = "{\"family\": \"linux\", \"flavour\": \"" + flavour + "\""
                + (stack == null ? "" : ", \"networkStack\": \"" + stack + "\"") + "}";
        return parse("""
                {"name": "lnx01", "hostname": "lnx01.example.internal", "os": %s, "nics": [%s],
                 "remediation": {"network": "%s"}}""".formatted(os, nics, mode));
    }

    static JsonNode windows(String mode, String manual) {
        return parse("""
                {"name": "win03", "hostname": "win03", "os": {"family": "windows", "flavour": "windows-server-2022"},
                 "nics": [%s, %s], "remediation": {"network": "%s"%s}}""".formatted(
                nic("Ethernet0", "52:54:00:10:00:03", """
                        {"address": "192.168.50.13", "prefix": 24, "gateway": "192.168.50.1", "dns": ["192.168.50.2"]}"""),
                nic("Ethernet1", "52:54:00:10:00:13", "\"dhcp\""), mode, manual));
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    static String render(String template, JsonNode vm) throws Exception {
        return new Templates(TEMPLATES).render(template, Map.of("guest", GuestModel.of(vm)));
    }
}
