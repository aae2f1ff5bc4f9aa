package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A kind of site the primitives can drive. Each adapter registers itself with {@link java.util.ServiceLoader}
 * (in {@code META-INF/services/dev.runbook.primitive.SiteAdapter}); the composition root picks the one that
 * drives a plan's sites by their inventory URIs. A site entry is an inventory site with its {@code name}.
 */
public interface SiteAdapter {

    /** True when this adapter drives a site with this inventory URI. */
    boolean drives(String uri);

    /**
     * True for the adapter that takes every URI no other adapter drives: libvirt, whose URIs are open-ended
     * ({@code qemu:///system}, {@code qemu+ssh://host/system}, ...).
     */
    default boolean fallback() {
        return false;
    }

    /** How messages name the sites this adapter drives, in the plural: {@code libvirt sites}. */
    String kind();

    /**
     * Refuses, before anything runs, a site this adapter cannot drive.
     *
     * @throws PrimitiveException naming the site and what to do
     */
    void check(JsonNode site) throws PrimitiveException;

    /** A fresh registry of every primitive this adapter implements: all the catalog's but the engine's own. */
    Primitives primitives();

    /**
     * The ownership records of a plan's recovery and protected sites (inventory site entries with their
     * {@code name}): where a run claims its VM, and what this adapter's mutating primitives check first.
     *
     * @throws PrimitiveException when the sites cannot record ownership
     */
    Ownership ownership(JsonNode recoverySite, JsonNode protectedSite) throws PrimitiveException;

    /**
     * The replication port of a recovery site, outside runs.
     *
     * @throws PrimitiveException when the site cannot be reached this way; by default, sites of this kind have none
     */
    default ReplicationPort replication(JsonNode site) throws PrimitiveException {
        throw new PrimitiveException("site '" + site.path("name").asText() + "' (" + site.path("uri").asText()
                + ") has no replication port to drive outside runs");
    }

    /**
     * Where the guests recovered on a site report their remediation.
     *
     * @throws PrimitiveException when the site takes no reports; by default, sites of this kind take none
     */
    default GuestReports reports(JsonNode site) throws PrimitiveException {
        throw new PrimitiveException("site '" + site.path("name").asText() + "' (" + site.path("uri").asText()
                + ") takes no guest reports");
    }
}
