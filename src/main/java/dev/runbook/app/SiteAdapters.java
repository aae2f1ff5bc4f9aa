package dev.runbook.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Inventory;
import dev.runbook.primitive.GuestReports;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.Primitives;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.SiteAdapter;
import dev.runbook.primitive.SiteBindings;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * The composition root of the primitives: picks, by a site's inventory URI, the {@link SiteAdapter} that
 * drives it among those on the class path. An adapter that claims the URI comes first; the fallback adapter
 * (libvirt) takes every other URI.
 */
public final class SiteAdapters {

    private static final List<SiteAdapter> ADAPTERS = ServiceLoader.load(SiteAdapter.class,
            SiteAdapters.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();

    private SiteAdapters() {
    }

    /**
     * The primitives for the plan's recovery and protected sites, which one adapter must drive both.
     *
     * @throws PrimitiveException naming the site whose URI cannot be driven
     */
    public static Primitives forBindings(Map<String, JsonNode> bindings) throws PrimitiveException {
        Map<String, JsonNode> sites = SiteBindings.canonical(bindings);
        SiteAdapter recovery = checked(sites.get(SiteBindings.RECOVERY));
        SiteAdapter protectedSite = checked(sites.get(SiteBindings.PROTECTED));
        if (recovery != protectedSite) {
            List<SiteAdapter> both = Stream.of(recovery, protectedSite).sorted(Comparator.comparing(SiteAdapter::fallback))
                    .toList();
            throw new PrimitiveException("a plan's sites are either both " + both.get(0).kind() + " or both "
                    + both.get(1).kind());
        }
        return recovery.primitives();
    }

    /**
     * The ownership records of the plan's VM at its recovery and protected sites.
     *
     * @throws PrimitiveException when the sites cannot be driven or cannot record ownership
     */
    public static Ownership ownership(Map<String, JsonNode> bindings) throws PrimitiveException {
        Map<String, JsonNode> sites = SiteBindings.canonical(bindings);
        JsonNode recovery = sites.get(SiteBindings.RECOVERY);
        return checked(recovery).ownership(recovery, sites.get(SiteBindings.PROTECTED));
    }

    /** The ownership records of an inventory's VM at its recovery and protected sites, outside runs. */
    public static Ownership ownership(Inventory inventory, Inventory.Vm vm) throws PrimitiveException {
        return ownership(Map.of(SiteBindings.RECOVERY, entry(inventory, vm.recoverySite()), SiteBindings.PROTECTED,
                entry(inventory, vm.protectedSite())));
    }

    /** An inventory site entry with its name, as plans bind it. */
    public static ObjectNode entry(Inventory inventory, String name) {
        Inventory.Site site = inventory.sites().get(name);
        ObjectNode entry = site == null ? JsonNodeFactory.instance.objectNode() : site.json().deepCopy();
        return entry.put("name", name);
    }

    /**
     * The replication port of a recovery site (an inventory site entry with its {@code name}).
     *
     * @throws PrimitiveException when the site has no port to drive
     */
    public static ReplicationPort replication(JsonNode site) throws PrimitiveException {
        return driving(site).replication(site);
    }

    /**
     * Where the guests recovered on a plan's recovery site report their remediation: what the progress
     * endpoint hands a guest's report to.
     *
     * @throws PrimitiveException when the plan has no recovery site that takes reports
     */
    public static GuestReports reports(Map<String, JsonNode> bindings) throws PrimitiveException {
        JsonNode site = SiteBindings.canonical(bindings).get(SiteBindings.RECOVERY);
        if (site == null) {
            throw new PrimitiveException("the plan has no recovery site");
        }
        return driving(site).reports(site);
    }

    private static SiteAdapter checked(JsonNode site) throws PrimitiveException {
        SiteAdapter adapter = driving(site);
        adapter.check(site);
        return adapter;
    }

    private static SiteAdapter driving(JsonNode site) throws PrimitiveException {
        String uri = site == null ? "" : site.path("uri").asText();
        return ADAPTERS.stream().filter(a -> !a.fallback() && a.drives(uri)).findFirst()
                .or(() -> ADAPTERS.stream().filter(SiteAdapter::fallback).findFirst())
                .orElseThrow(() -> new PrimitiveException("site '" + (site == null ? "" : site.path("name").asText())
                        + "' has URI " + uri + ", which no site adapter on the class path drives"));
    }
}
