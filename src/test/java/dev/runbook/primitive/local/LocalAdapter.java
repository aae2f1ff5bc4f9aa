package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.Primitives;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.StateFileOwnership;
import dev.runbook.primitive.SiteAdapter;
import java.util.List;
import java.util.stream.Stream;

/**
 * Test sites simulated in one JSON file each ({@link LocalSite}): inventory URI {@code local:///path/site.json}.
 * The fault and crash matrices drive them; registered for tests only, in the test resources' services.
 */
public final class LocalAdapter implements SiteAdapter {

    @Override
    public boolean drives(String uri) {
        return LocalSite.pathOf(uri).isPresent();
    }

    @Override
    public String kind() {
        return "local:/// files";
    }

    @Override
    public void check(JsonNode site) {
        // Nothing to refuse: the file need not exist yet, seeding writes it.
    }

    @Override
    public Ownership ownership(JsonNode recoverySite, JsonNode protectedSite) throws PrimitiveException {
        return new StateFileOwnership(recoverySite.path("name").asText(), file(recoverySite), file(protectedSite));
    }

    private static StateFile file(JsonNode site) throws PrimitiveException {
        return StateFile.at(LocalSite.pathOf(site.path("uri").asText()).orElseThrow(() ->
                new PrimitiveException("site '" + site.path("name").asText() + "' is not a local:/// site")));
    }

    /** Every catalog primitive but the engine's own; each family registers its own. */
    @Override
    public Primitives primitives() {
        Primitives out = new Primitives();
        Stream.of(LocalDomains.all(), LocalStorage.all(), LocalReplication.all(), LocalRemediation.all())
                .flatMap(List::stream).forEach(out::add);
        return out;
    }
}
