package dev.runbook.primitive;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Executable primitives by name. */
public final class Primitives {

    private final Map<String, Primitive> byName = new HashMap<>();

    public Primitives add(Primitive p) {
        byName.put(p.spec().name(), p);
        return this;
    }

    public Optional<Primitive> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<Primitive> all() {
        return byName.values();
    }

    /** The same primitives, each wrapped (a fault-injecting decorator, an invocation counter). */
    public Primitives map(UnaryOperator<Primitive> wrap) {
        Primitives out = new Primitives();
        byName.values().forEach(p -> out.add(wrap.apply(p)));
        return out;
    }
}
