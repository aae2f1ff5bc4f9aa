package dev.runbook.primitive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.app.SiteAdapters;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every site adapter implements the whole contract, and the composition root picks one by URI. */
class SiteAdaptersTest {

    @Test
    void everyAdapterImplementsEveryCatalogPrimitiveButTheEnginesWithTheCatalogsSpec() {
        List<SiteAdapter> adapters = ServiceLoader.load(SiteAdapter.class).stream().map(ServiceLoader.Provider::get)
                .toList();
        assertEquals(2, adapters.size(), "libvirt from the main services, local from the test services");
        Set<String> expected = new TreeSet<>(Catalog.standard().names());
        RunSpecs.ALL.forEach(s -> expected.remove(s.name()));
        for (SiteAdapter adapter : adapters) {
            Primitives primitives = adapter.primitives();
            Set<String> names = new TreeSet<>();
            for (Primitive p : primitives.all()) {
                names.add(p.spec().name());
                assertSame(Catalog.standard().find(p.spec().name()).orElseThrow(), p.spec(), p.spec().name());
            }
            assertEquals(expected, names, adapter.kind());
        }
    }

    @Test
    void aPlanOnLocalSitesGetsTheLocalPrimitives() throws PrimitiveException {
        Primitives p = SiteAdapters.forBindings(Map.of("recoverySite", site("recovery", "local:///tmp/r.json"),
                "protectedSite", site("protected", "local:///tmp/p.json")));
        assertTrue(p.find("storage.snapshot").orElseThrow().getClass().getName().contains(".local."));
    }

    @Test
    void aPlanSavedWithTheSitesEarlierKeysStillFindsThem() throws PrimitiveException {
        Primitives p = SiteAdapters.forBindings(Map.of("site", site("recovery", "local:///tmp/r.json"),
                "sourceSite", site("protected", "local:///tmp/p.json")));
        assertTrue(p.find("storage.snapshot").orElseThrow().getClass().getName().contains(".local."));
        var mixed = assertThrows(PrimitiveException.class, () -> SiteAdapters.forBindings(Map.of(
                "site", site("recovery", "local:///tmp/r.json"), "sourceSite", site("protected", "test:///tmp/p.xml"))));
        assertEquals("a plan's sites are either both local:/// files or both libvirt sites", mixed.getMessage());
    }

    @Test
    void mixedSitesAndTheSharedTestDriverAreRefused() {
        var mixed = assertThrows(PrimitiveException.class, () -> SiteAdapters.forBindings(Map.of(
                "recoverySite", site("recovery", "local:///tmp/r.json"), "protectedSite", site("protected", "test:///tmp/p.xml"))));
        assertEquals("a plan's sites are either both local:/// files or both libvirt sites", mixed.getMessage());
        var shared = assertThrows(PrimitiveException.class, () -> SiteAdapters.forBindings(Map.of(
                "recoverySite", site("recovery", "test:///default"), "protectedSite", site("protected", "test:///default"))));
        assertTrue(shared.getMessage().startsWith("site 'recovery' has URI test:///default"), shared.getMessage());
    }

    private static JsonNode site(String name, String uri) {
        return StateFile.JSON.createObjectNode().put("name", name).put("uri", uri);
    }
}
