package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.plan.SitePlan;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.HypervisorSpecs;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.RemediationSpecs;
import dev.runbook.primitive.StorageSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A recovery plan's bounds on each recovery site: heavy primitives at once, and VMs booting from the start of
 * their recovered domain until they settle. Each VM that has to wait is heard of, and goes on once a slot frees.
 */
class SiteBoundsTest {

    private static SitePlan plan(Integer booting, Integer heavy, List<SitePlan.Vm> vms) {
        return new SitePlan(SitePlan.VERSION, null, null, "test-failover", 10, null, booting, heavy, "skipDependents",
                null, List.of(new SitePlan.Tier("all", null, null, vms)), null);
    }

    private static SitePlan.Vm vm(String name, String site) {
        return new SitePlan.Vm(name, site, "runbooks/test-failover.yaml", false, List.of(), List.of(), null);
    }

    private static Call call(Call.Phase phase) {
        return new Call("run1", "step", phase, JsonNodeFactory.instance.objectNode(), Map.of());
    }

    /** A primitive that counts the calls inside it at once, and waits for {@code release} before it returns. */
    private static final class Counting implements Primitive {
        final PrimitiveSpec spec;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final CountDownLatch release;

        Counting(PrimitiveSpec spec, CountDownLatch release) {
            this.spec = spec;
            this.release = release;
        }

        @Override
        public PrimitiveSpec spec() {
            return spec;
        }

        @Override
        public JsonNode apply(Call call) throws InterruptedException {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                release.await(5, TimeUnit.SECONDS);
            } finally {
                inside.decrementAndGet();
            }
            return JsonNodeFactory.instance.objectNode();
        }
    }

    private record Heard(List<String> waiting, List<String> goesOn) implements SiteBounds.Waits {
        Heard() {
            this(java.util.Collections.synchronizedList(new ArrayList<>()),
                    java.util.Collections.synchronizedList(new ArrayList<>()));
        }

        @Override
        public void waiting(String vm, String why) {
            waiting.add(vm + ": " + why);
        }

        @Override
        public void goesOn(String vm) {
            goesOn.add(vm);
        }
    }

    private static List<Thread> calls(SiteBounds bounds, List<SitePlan.Vm> vms, Primitive primitive, Call.Phase phase) {
        List<Thread> out = new ArrayList<>();
        for (SitePlan.Vm vm : vms) {
            Primitive bounded = bounds.around(vm).apply(primitive);
            out.add(Thread.ofVirtual().start(() -> {
                try {
                    bounded.apply(call(phase));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        return out;
    }

    @Test
    void heavyPrimitivesOnOneSiteRunWithinTheBoundAndOtherSitesAreApart() throws Exception {
        List<SitePlan.Vm> vms = List.of(vm("a", "recovery"), vm("b", "recovery"), vm("c", "recovery"),
                vm("d", "other"));
        SiteBounds bounds = new SiteBounds(plan(null, 2, vms));
        Heard heard = new Heard();
        bounds.listen(heard);
        CountDownLatch release = new CountDownLatch(1);
        Counting adapt = new Counting(RemediationSpecs.ADAPT, release);
        List<Thread> threads = calls(bounds, vms, adapt, Call.Phase.APPLY);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (adapt.inside.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10); // two of recovery's and the other site's
        }
        assertEquals(3, adapt.inside.get(), "two on recovery, one on other");
        assertEquals(1, heard.waiting().size(), heard.toString());
        assertTrue(heard.waiting().get(0).contains("heavy primitives on recovery (heavyPerSite 2)"), heard.toString());
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(3, adapt.most.get());
        assertEquals(1, heard.goesOn().size());
    }

    @Test
    void aPrimitiveNotHeavyIsNotBounded() throws Exception {
        List<SitePlan.Vm> vms = List.of(vm("a", "recovery"), vm("b", "recovery"), vm("c", "recovery"));
        SiteBounds bounds = new SiteBounds(plan(null, 1, vms));
        CountDownLatch release = new CountDownLatch(1);
        Counting snapshot = new Counting(StorageSpecs.SNAPSHOT, release);
        List<Thread> threads = calls(bounds, vms, snapshot, Call.Phase.APPLY);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (snapshot.inside.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(3, snapshot.most.get());
    }

    @Test
    void aVmBootsFromItsStartUntilItSettlesAndARetriedStartHoldsItsSlot() throws Exception {
        SitePlan.Vm a = vm("a", "recovery");
        SitePlan.Vm b = vm("b", "recovery");
        SiteBounds bounds = new SiteBounds(plan(1, null, List.of(a, b)));
        Heard heard = new Heard();
        bounds.listen(heard);
        Map<String, Boolean> started = new ConcurrentHashMap<>();
        Primitive start = new Primitive() {
            @Override
            public PrimitiveSpec spec() {
                return HypervisorSpecs.START;
            }

            @Override
            public JsonNode apply(Call call) {
                started.put(call.runId(), true);
                return JsonNodeFactory.instance.objectNode();
            }
        };
        Primitive startA = bounds.around(a).apply(start);
        startA.apply(new Call("a", "start", Call.Phase.APPLY, JsonNodeFactory.instance.objectNode(), Map.of()));
        startA.apply(new Call("a", "start", Call.Phase.APPLY, JsonNodeFactory.instance.objectNode(), Map.of()));
        Thread second = Thread.ofVirtual().start(() -> {
            try {
                bounds.around(b).apply(start).apply(new Call("b", "start", Call.Phase.APPLY,
                        JsonNodeFactory.instance.objectNode(), Map.of()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        second.join(300);
        assertFalse(started.containsKey("b"), "b started while a still boots");
        assertEquals(1, heard.waiting().size(), heard.toString());
        assertTrue(heard.waiting().get(0).startsWith("b: waits for a slot: VMs booting on recovery (bootingPerSite 1)"),
                heard.toString());
        bounds.settled("a");
        second.join(5000);
        assertTrue(started.containsKey("b"), "b starts once a has settled");
        assertEquals(List.of("b"), heard.goesOn());
    }

    @Test
    void withoutBoundsThePrimitiveIsItself() {
        SitePlan.Vm a = vm("a", "recovery");
        SiteBounds bounds = new SiteBounds(plan(null, null, List.of(a)));
        Counting adapt = new Counting(RemediationSpecs.ADAPT, new CountDownLatch(0));
        assertSame(adapt, bounds.around(a).apply(adapt), "an unbounded plan adds nothing between the engine and the site");
    }
}
