package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.Primitives;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Injects one fault into real primitives: the call of a given step in a given phase fails before it
 * acts, fails after it acted, or hangs until cancelled. Everything else passes through unchanged.
 */
final class Faults {

    enum Mode { ERROR, ERROR_AFTER, HANG }

    /** Which call fails, and how. */
    record Rule(String step, Call.Phase phase, Mode mode) {
    }

    private final java.util.List<Rule> rules;
    private volatile boolean enabled = true;
    final AtomicInteger hits = new AtomicInteger();
    final AtomicBoolean cancelled = new AtomicBoolean();

    Faults(Rule... rules) {
        this.rules = java.util.List.of(rules);
    }

    Faults(String step, Call.Phase phase, Mode mode) {
        this(new Rule(step, phase, mode));
    }

    static Faults none() {
        return new Faults();
    }

    void disable() {
        enabled = false;
    }

    Primitives around(Primitives real) {
        return real.map(this::wrap);
    }

    private Primitive wrap(Primitive inner) {
        return new Primitive() {
            @Override
            public PrimitiveSpec spec() {
                return inner.spec();
            }

            @Override
            public JsonNode apply(Call call) throws PrimitiveException, InterruptedException {
                Rule rule = !enabled ? null : rules.stream()
                        .filter(r -> r.step().equals(call.stepId()) && r.phase() == call.phase()).findFirst().orElse(null);
                if (rule == null) {
                    return inner.apply(call);
                }
                hits.incrementAndGet();
                switch (rule.mode()) {
                    case ERROR -> throw new PrimitiveException("injected failure in " + inner.spec().name());
                    case ERROR_AFTER -> {
                        inner.apply(call);
                        throw new PrimitiveException("injected failure after " + inner.spec().name() + " acted");
                    }
                    case HANG -> {
                        try {
                            Thread.sleep(3_600_000);
                        } catch (InterruptedException e) {
                            cancelled.set(true);
                            throw e;
                        }
                    }
                }
                throw new IllegalStateException();
            }

            @Override
            public Observation observe(Call call) throws PrimitiveException, InterruptedException {
                return inner.observe(call);
            }
        };
    }
}
