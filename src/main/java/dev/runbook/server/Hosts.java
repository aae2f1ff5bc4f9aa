package dev.runbook.server;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which {@code Host} headers the server answers: an IP address, {@code localhost}, or a name given with
 * {@code --allowed-host}. A web page that rebinds its own DNS name to this machine sends its own name,
 * and is refused.
 */
record Hosts(Set<String> allowed) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    Hosts {
        allowed = Set.copyOf(allowed.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
    }

    boolean accepts(String header) {
        if (header == null || header.isBlank()) {
            return false;
        }
        String host = header.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) { // [::1]:7070
            int end = host.indexOf(']');
            return end > 0 && (end == host.length() - 1 || host.charAt(end + 1) == ':');
        }
        int colon = host.lastIndexOf(':');
        if (colon >= 0) {
            host = host.substring(0, colon);
        }
        return IPV4.matcher(host).matches() || host.equals("localhost") || allowed.contains(host);
    }
}
