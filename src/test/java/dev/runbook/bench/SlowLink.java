package dev.runbook.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A slow link between the interpreter and its sites: every hypervisor and storage call (each site primitive,
 * not the engine's own {@code locks.*} and {@code failover.*}) waits a fixed latency before it reaches the
 * site, outside the site's lock, as a round trip to a remote hypervisor would. It counts the calls of each
 * run, probes apart from changes, so that the shortest possible time of a plan run can be worked out.
 */
final class SlowLink implements UnaryOperator<Primitive> {

    private final Duration latency;
    private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> changes = new ConcurrentHashMap<>();

    SlowLink(Duration latency) {
        this.latency = latency;
    }

    Duration latency() {
        return latency;
    }

    /** The latency-bearing probe calls (prechecks, readiness) that run {@code runId} made. */
    int probes(String runId) {
        return count(probes, runId);
    }

    /** The latency-bearing calls that applied or compensated a step of run {@code runId}. */
    int changes(String runId) {
        return count(changes, runId);
    }

    @Override
    public Primitive apply(Primitive site) {
        String name = site.spec().name();
        if (name.startsWith("locks.") || name.startsWith("failover.")) {
            return site;
        }
        return new Primitive() {
            @Override
            public PrimitiveSpec spec() {
                return site.spec();
            }

            @Override
            public JsonNode apply(Call call) throws PrimitiveException, InterruptedException {
                cross(call);
                return site.apply(call);
            }

            @Override
            public Observation observe(Call call) throws PrimitiveException, InterruptedException {
                cross(call);
                return site.observe(call);
            }
        };
    }

    private void cross(Call call) throws InterruptedException {
        (call.phase() == Call.Phase.PROBE ? probes : changes).computeIfAbsent(call.runId(), k -> new AtomicInteger())
                .incrementAndGet();
        Thread.sleep(latency);
    }

    private static int count(Map<String, AtomicInteger> counts, String runId) {
        AtomicInteger n = counts.get(runId);
        return n == null ? 0 : n.get();
    }
}
