package dev.runbook.primitive.local;

import dev.runbook.primitive.Catalog;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.Primitives;
import java.util.Set;

/**
 * Every catalog primitive, driving {@link LocalSite} state files: sites whose inventory URI is
 * {@code local:///path/site.json}. The primitives that act on runs rather than sites are the engine's.
 */
public final class LocalPrimitives {

    private static final Set<String> ENGINE_OWNED = Set.of("failover.undo", "locks.active");

    private LocalPrimitives() {
    }

    /** A registry of one local primitive per catalog name the engine does not provide itself. */
    public static Primitives all() {
        Primitives out = new Primitives();
        Catalog.standard().names().stream().filter(n -> !ENGINE_OWNED.contains(n))
                .forEach(n -> out.add(of(n)));
        return out;
    }

    private static Primitive of(String name) {
        String family = name.substring(0, name.indexOf('.'));
        return switch (family) {
            case "libvirt" -> new LocalDomains(name);
            case "storage" -> new LocalStorage(name);
            case "replication", "controller" -> new LocalReplication(name);
            case "remediation" -> new LocalRemediation(name);
            default -> throw new IllegalStateException("primitive '" + name + "' has no local implementation");
        };
    }
}
