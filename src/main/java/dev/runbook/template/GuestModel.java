package dev.runbook.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a guest template may read, under the name {@code guest}: the VM's identity, OS and the network
 * settings remediation applies, each value checked before any template sees it. Templates read nothing
 * else about the VM, so a value that did not pass these checks cannot reach a script.
 *
 * <p>{@code guest.network} lists the adapters whose IPv4 settings are applied, already decided from the
 * policy: Linux {@code restore-static} and Windows {@code restore-source} restore every NIC captured with
 * a static IPv4; Windows {@code manual} applies the policy's settings to the first NIC; {@code preserve},
 * {@code preserve-target} and DHCP sources apply nothing, and {@code guest.networkReason} says why.
 */
public final class GuestModel {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern LINUX_NIC = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,14}");
    private static final Pattern WINDOWS_NIC = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}");
    private static final Pattern FLAVOUR = Pattern.compile("[a-z][a-z0-9.-]{0,62}");

    /** A value that may not reach a guest script: where it is (a pointer under the VM) and why. */
    public static final class Invalid extends Exception {
        private final String pointer;

        Invalid(String pointer, String message) {
            super(message, null, false, false);
            this.pointer = pointer;
        }

        /** JSON pointer of the value, relative to the VM's inventory entry. */
        public String pointer() {
            return pointer;
        }
    }

    private GuestModel() {
    }

    /** The checked model of an inventory VM entry. */
    public static Map<String, Object> of(JsonNode vm) throws Invalid {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("name", checked(vm, "/name", NAME, "a name of letters, digits, '.', '_' and '-'"));
        g.put("hostname", vm.has("hostname") ? checked(vm, "/hostname", HOSTNAME, "a DNS host name") : "");
        String family = oneOf(vm, "/os/family", List.of("linux", "windows"));
        String flavour = checked(vm, "/os/flavour", FLAVOUR, "a flavour such as ubuntu-22.04 or rhel-9");
        g.put("family", family);
        g.put("flavour", flavour);
        String mode = oneOf(vm, "/remediation/network",
                List.of("restore-static", "preserve", "restore-source", "preserve-target", "manual"));
        g.put("mode", mode);

        List<Map<String, Object>> nics = new ArrayList<>();
        JsonNode captured = vm.path("nics");
        for (int i = 0; i < captured.size(); i++) {
            nics.add(nic(captured.get(i), "/nics/" + i, i, family));
        }
        g.put("nics", nics);

        List<Map<String, Object>> network = new ArrayList<>();
        String reason;
        switch (mode) {
            case "restore-static", "restore-source" -> {
                for (int i = 0; i < nics.size(); i++) {
                    JsonNode ipv4 = captured.get(i).path("ipv4");
                    if (ipv4.isObject()) {
                        network.add(settings(nics.get(i), ipv4, "/nics/" + i + "/ipv4"));
                    }
                }
                reason = network.isEmpty() ? "every NIC used DHCP on the source; guest networking is left alone"
                        : "the static IPv4 captured on the source is restored";
            }
            case "manual" -> {
                if (nics.isEmpty()) {
                    throw new Invalid("/nics", "manual mode needs a NIC to apply its settings to");
                }
                network.add(settings(nics.get(0), vm.path("remediation").path("manual"), "/remediation/manual"));
                reason = "the static IPv4 of the manual policy is applied to the first NIC";
            }
            default -> reason = "policy '" + mode + "': guest networking is left alone";
        }
        g.put("network", network);
        g.put("networkReason", reason);
        g.put("networkStack", family.equals("linux") && !network.isEmpty() ? networkStack(vm, flavour) : "");
        return g;
    }

    /**
     * The Linux network stack to write persistent settings in: {@code os.networkStack}, else derived from
     * the flavour (Ubuntu netplan; RHEL-family 7 and 8 ifcfg; RHEL-family 9 and later and Fedora
     * NetworkManager). Other flavours must say which they use.
     */
    static String networkStack(JsonNode vm, String flavour) throws Invalid {
        if (vm.path("os").has("networkStack")) {
            return oneOf(vm, "/os/networkStack", List.of("netplan", "networkmanager", "ifcfg", "systemd-networkd"));
        }
        return derivedStack(flavour).orElseThrow(() -> new Invalid("/os/networkStack",
                "the network stack of flavour '" + flavour + "' is not known; set os.networkStack to netplan, "
                        + "networkmanager, ifcfg or systemd-networkd"));
    }

    static Optional<String> derivedStack(String flavour) {
        String[] parts = flavour.split("-", 2);
        String distro = parts[0];
        int major = parts.length > 1 ? leadingNumber(parts[1]) : -1;
        return switch (distro) {
            case "ubuntu" -> Optional.of("netplan");
            case "fedora" -> Optional.of("networkmanager");
            case "rhel", "centos", "rocky", "almalinux", "alma", "oracle", "ol" ->
                    major < 0 ? Optional.empty() : Optional.of(major >= 9 ? "networkmanager" : "ifcfg");
            default -> Optional.empty();
        };
    }

    private static int leadingNumber(String s) {
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end)) && end < 4) {
            end++;
        }
        return end == 0 ? -1 : Integer.parseInt(s.substring(0, end));
    }

    private static Map<String, Object> nic(JsonNode nic, String at, int index, String family) throws Invalid {
        boolean linux = family.equals("linux");
        String mac = checked(nic, "/mac", MAC, "a MAC address like 52:54:00:12:34:56", at).toLowerCase(Locale.ROOT);
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("index", index);
        n.put("name", !nic.has("name") ? "" : linux
                ? checked(nic, "/name", LINUX_NIC, "a Linux interface name: at most 15 letters, digits, '.', '_' and '-'", at)
                : checked(nic, "/name", WINDOWS_NIC, "an adapter name: letters, digits, spaces, '.', '_' and '-'", at));
        n.put("mac", mac);
        n.put("macDashed", mac.toUpperCase(Locale.ROOT).replace(':', '-'));
        n.put("connection", "runbook-" + mac.replace(":", ""));
        return n;
    }

    private static Map<String, Object> settings(Map<String, Object> nic, JsonNode ipv4, String at) throws Invalid {
        Map<String, Object> s = new LinkedHashMap<>(nic);
        String address = checked(ipv4, "/address", IPV4, "a dotted-quad IPv4 address", at);
        JsonNode prefix = ipv4.path("prefix");
        if (!prefix.canConvertToInt() || !prefix.isIntegralNumber() || prefix.asInt() < 1 || prefix.asInt() > 32) {
            throw new Invalid(at + "/prefix", "the prefix length must be a whole number from 1 to 32");
        }
        s.put("address", address);
        s.put("prefix", prefix.asInt());
        s.put("cidr", address + "/" + prefix.asInt());
        s.put("gateway", ipv4.has("gateway") ? checked(ipv4, "/gateway", IPV4, "a dotted-quad IPv4 address", at) : "");
        List<String> dns = new ArrayList<>();
        JsonNode servers = ipv4.path("dns");
        for (int i = 0; i < servers.size(); i++) {
            dns.add(checked(servers, "/" + i, IPV4, "a dotted-quad IPv4 address", at + "/dns"));
        }
        s.put("dns", dns);
        List<String> search = new ArrayList<>();
        JsonNode domains = ipv4.path("searchDomains");
        for (int i = 0; i < domains.size(); i++) {
            search.add(checked(domains, "/" + i, HOSTNAME, "a DNS domain name", at + "/searchDomains"));
        }
        s.put("searchDomains", search);
        return s;
    }

    private static String checked(JsonNode node, String pointer, Pattern pattern, String what) throws Invalid {
        return checked(node, pointer, pattern, what, "");
    }

    private static String checked(JsonNode node, String pointer, Pattern pattern, String what, String base)
            throws Invalid {
        JsonNode v = node.at(pointer);
        if (!v.isTextual() || !pattern.matcher(v.asText()).matches()) {
            throw new Invalid(base + pointer, (v.isMissingNode() ? "missing" : "value " + shown(v))
                    + " cannot be written into a guest script; it must be " + what);
        }
        return v.asText();
    }

    private static String oneOf(JsonNode node, String pointer, List<String> allowed) throws Invalid {
        JsonNode v = node.at(pointer);
        if (!v.isTextual() || !allowed.contains(v.asText())) {
            throw new Invalid(pointer, (v.isMissingNode() ? "missing" : "value " + shown(v)) + "; use one of "
                    + allowed);
        }
        return v.asText();
    }

    private static String shown(JsonNode v) {
        String s = v.isTextual() ? v.asText() : v.toString();
        StringBuilder out = new StringBuilder("'");
        s.codePoints().limit(60).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append(s.length() > 60 ? "...'" : "'").toString();
    }
}
