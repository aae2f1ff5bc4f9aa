package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A libvirt site as the inventory names it.
 *
 * @param name     the inventory's site name
 * @param uri      the libvirt connection URI
 * @param state    the JSON file holding the site's replication state and its record of applied calls
 * @param nodeFile for libvirt's test driver ({@code test:///<absolute path>.xml}), the node file that
 *                 holds the site's domains and networks between processes
 */
public record SiteRef(String name, String uri, Path state, Optional<Path> nodeFile) {

    private static final String TEST = "test:///";

    /** The site an inventory site entry (with its {@code name}) describes. */
    public static SiteRef of(JsonNode site) throws PrimitiveException {
        String name = site.path("name").asText();
        String uri = site.path("uri").asText();
        Optional<Path> node = nodeFileOf(uri);
        String state = site.path("state").asText("");
        if (!state.isEmpty()) {
            return new SiteRef(name, uri, Path.of(state), node);
        }
        if (node.isPresent()) {
            String file = node.get().getFileName().toString().replaceFirst("\\.xml$", "");
            return new SiteRef(name, uri, node.get().resolveSibling(file + ".state.json"), node);
        }
        throw new PrimitiveException("site '" + name + "' (" + uri + ") has no state file for its replication "
                + "state; set sites." + name + ".state in the inventory to an absolute path");
    }

    /** The node file of a {@code test:///<absolute path>.xml} URI; empty for {@code test:///default} and others. */
    public static Optional<Path> nodeFileOf(String uri) {
        if (uri == null || !uri.startsWith(TEST) || !uri.endsWith(".xml")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(uri.substring(TEST.length() - 1)));
    }

    /** True for a site on libvirt's test driver, whose state lives in its node file. */
    public boolean embedded() {
        return nodeFile.isPresent();
    }
}
