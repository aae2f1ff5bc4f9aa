package dev.runbook.primitive;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The primitives and probes runbooks can name, by name. */
public final class Catalog {

    private final Map<String, PrimitiveSpec> specs;

    private Catalog(Map<String, PrimitiveSpec> specs) {
        this.specs = Map.copyOf(specs);
    }

    public Optional<PrimitiveSpec> find(String name) {
        return Optional.ofNullable(specs.get(name));
    }

    public Collection<PrimitiveSpec> all() {
        return specs.values();
    }

    public List<String> names() {
        return specs.keySet().stream().sorted().toList();
    }

    /**
     * Every primitive of the hypervisor, storage, replication, run and remediation families: the contract
     * each site adapter implements (all but the run family, which the engine implements), and what the
     * checker and planner read without any site.
     */
    public static Catalog standard() {
        return STANDARD;
    }

    private static final Catalog STANDARD = assemble(HypervisorSpecs.ALL, StorageSpecs.ALL, ReplicationSpecs.ALL,
            RunSpecs.ALL, RemediationSpecs.ALL);

    @SafeVarargs
    private static Catalog assemble(List<PrimitiveSpec>... families) {
        Map<String, PrimitiveSpec> specs = new LinkedHashMap<>();
        for (List<PrimitiveSpec> family : families) {
            for (PrimitiveSpec spec : family) {
                if (specs.put(spec.name(), spec) != null) {
                    throw new IllegalStateException("primitive '" + spec.name() + "' is declared twice");
                }
            }
        }
        return new Catalog(specs);
    }
}
