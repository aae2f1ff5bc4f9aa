package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a plan binds its VM's two sites, each an inventory site entry with its {@code name}: the recovery
 * site it fails over to, and the protected site it runs on in production and replicates from. Plans saved,
 * and runs journaled, before these names were settled bind them as {@code site} and {@code sourceSite}; they
 * are read under the names of now.
 */
public final class SiteBindings {

    /** The binding of the recovery site. */
    public static final String RECOVERY = "recoverySite";

    /** The binding of the protected site. */
    public static final String PROTECTED = "protectedSite";

    /** The earlier keys, each with the key it is read as. */
    private static final Map<String, String> EARLIER = Map.of("site", RECOVERY, "sourceSite", PROTECTED);

    private SiteBindings() {
    }

    /** The bindings under the names of now; the same map when it already has them. */
    public static Map<String, JsonNode> canonical(Map<String, JsonNode> bindings) {
        if (bindings == null || !earlier(bindings)) {
            return bindings;
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        bindings.forEach((key, value) -> {
            String now = EARLIER.get(key);
            if (now == null) {
                out.put(key, value);
            } else if (!bindings.containsKey(now)) {
                out.put(now, value);
            }
        });
        return out;
    }

    /** True when the bindings name a site by an earlier key: a plan saved before the names were settled. */
    public static boolean earlier(Map<String, JsonNode> bindings) {
        return EARLIER.keySet().stream().anyMatch(bindings::containsKey);
    }
}
