package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.libvirt.LibvirtPrimitives;
import dev.runbook.primitive.libvirt.SiteRef;
import dev.runbook.primitive.local.LocalPrimitives;
import dev.runbook.primitive.local.LocalSite;
import java.util.Map;

/**
 * Picks the primitives that drive a plan's sites, by their URIs: {@code local:///<path>.json} sites are
 * JSON files; every other URI is a libvirt connection ({@code test:///<path>.xml} for the embedded test
 * driver, {@code qemu:///system}, remote URIs).
 */
public final class Sites {

    private Sites() {
    }

    /**
     * The primitives for the plan's recovery and source sites.
     *
     * @throws PrimitiveException naming the site whose URI cannot be driven
     */
    public static Primitives forBindings(Map<String, JsonNode> bindings) throws PrimitiveException {
        int local = 0;
        for (String role : new String[] {"site", "sourceSite"}) {
            JsonNode site = bindings.get(role);
            String uri = site == null ? "" : site.path("uri").asText();
            if (LocalSite.pathOf(uri).isPresent()) {
                local++;
            } else if (uri.equals("test:///default")) {
                throw new PrimitiveException("site '" + site.path("name").asText() + "' has URI test:///default, "
                        + "libvirt's shared in-process sample, which does not outlive the process; use a "
                        + "test:///<absolute path>.xml node file (`runbook demo init DIR` makes one)");
            } else {
                SiteRef.of(site); // refuses a site without a state file before anything runs
            }
        }
        if (local == 1) {
            throw new PrimitiveException("a plan's sites are either both local:/// files or both libvirt sites");
        }
        return local == 2 ? LocalPrimitives.all() : LibvirtPrimitives.all();
    }
}
