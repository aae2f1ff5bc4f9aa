package dev.runbook.primitive.local;

import dev.runbook.primitive.Primitives;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every catalog primitive, driving {@link LocalSite} state files: sites whose inventory URI is
 * {@code local:///path/site.json}. The primitives that act on runs rather than sites are the engine's.
 */
public final class LocalPrimitives {

    private LocalPrimitives() {
    }

    /** A registry of the local primitives: each family registers its own. */
    public static Primitives all() {
        Primitives out = new Primitives();
        Stream.of(LocalDomains.all(), LocalStorage.all(), LocalReplication.all(), LocalRemediation.all())
                .flatMap(List::stream).forEach(out::add);
        return out;
    }
}
