package dev.runbook.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.exec.LocalSiteFixture;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunState;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.model.Operation;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-tier recovery plan with a failure injected at every step of every VM, in turn: the VM that
 * failed is compensated alone, the VMs that needed it are not attempted and say why, the others reach their
 * target; no call takes effect twice, and the plan's rollback then leaves both sites as they were before.
 */
@Tag("fault")
class RecoveryPlanFaultTest {

    /** db01, then app02 once db01 is ready, then web01 once app02 has started. */
    private static final String PLAN = """
            apiVersion: runbooks/v1
            kind: RecoveryPlan
            metadata: {name: shop, version: 1.0.0}
            spec:
              operation: test-failover
              onFailure: skipDependents
              tiers:
                - name: database
                  vms:
                    - {name: db01, gates: [{expression: "run.state == 'completed'", timeout: 5s}]}
                - name: application
                  vms:
                    - {name: app02, after: [db01], gates: [{expression: "run.state == 'completed'", timeout: 5s}]}
                - name: web
                  vms:
                    - name: web01
                      after: [{vm: app02, for: started}]
                      gates: [{remediation: {require: final}, timeout: 30s}]
            """;

    private static final AtomicInteger TRIALS = new AtomicInteger();
    private static final AtomicInteger PASSED = new AtomicInteger();

    @TempDir
    static Path root;

    private static int dirs;

    /** One failing call: the APPLY of {@code step} in the run of {@code vm}. */
    private record Fault(String vm, String step) {
        @Override
        public String toString() {
            return vm + " fails at " + step;
        }
    }

    /**
     * Between the engine and the sites: fails the chosen call before it acts, and counts each call that took
     * effect by its idempotency key (run, step, phase), so a step applied twice shows.
     */
    private static final class Injector implements UnaryOperator<Primitive> {
        private final Fault fault;
        final AtomicInteger hits = new AtomicInteger();
        final Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
        final List<String> steps = new CopyOnWriteArrayList<>();

        Injector(Fault fault) {
            this.fault = fault;
        }

        @Override
        public Primitive apply(Primitive site) {
            return new Primitive() {
                @Override
                public PrimitiveSpec spec() {
                    return site.spec();
                }

                @Override
                public JsonNode apply(Call call) throws PrimitiveException, InterruptedException {
                    boolean change = call.phase() == Call.Phase.APPLY || call.phase() == Call.Phase.COMPENSATE;
                    if (fault != null && call.phase() == Call.Phase.APPLY && call.stepId().equals(fault.step())
                            && call.runId().endsWith("." + fault.vm())) {
                        hits.incrementAndGet();
                        throw new PrimitiveException("injected failure in " + site.spec().name());
                    }
                    JsonNode out = site.apply(call);
                    if (change && site.spec().mutates()) {
                        applied.computeIfAbsent(call.key(), k -> new AtomicInteger()).incrementAndGet();
                    }
                    if (call.phase() == Call.Phase.APPLY && !site.spec().probe()) {
                        steps.add(vmOf(call.runId()) + " " + call.stepId());
                    }
                    return out;
                }

                @Override
                public Observation observe(Call call) throws PrimitiveException, InterruptedException {
                    return site.observe(call);
                }
            };
        }

        List<String> appliedTwice() {
            return applied.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey).sorted().toList();
        }
    }

    private static String vmOf(String runId) {
        return runId.substring(runId.lastIndexOf('.') + 1);
    }

    /** A fresh pair of local sites. */
    private static LocalSiteFixture site() throws Exception {
        synchronized (RecoveryPlanFaultTest.class) {
            return new LocalSiteFixture(Files.createDirectory(root.resolve("t" + (dirs++))));
        }
    }

    private static Ended run(LocalSiteFixture site, SqliteJournal journal, Injector injector) throws Exception {
        Path file = Files.writeString(site.dir.resolve("shop.yaml"), PLAN);
        return LocalPlanRuns.start(new Runs(journal, site.journal).through(injector), site, journal, file, false);
    }

    /** The steps of each VM that changed a site in an undisturbed run, in the order they took effect. */
    private static List<String> reference() throws Exception {
        LocalSiteFixture site = site();
        Injector none = new Injector(null);
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            Result r = ((Ended.Ran) run(site, journal, none)).result();
            assertEquals(RunState.COMPLETED, r.state(), r.message());
        }
        return List.copyOf(none.steps);
    }

    @TestFactory
    Stream<DynamicTest> aFailureAtEveryStepOfEveryVmIsCompensatedAlone() throws Exception {
        List<String> steps = reference();
        for (String vm : List.of("db01", "app02", "web01")) {
            assertTrue(steps.stream().filter(s -> s.startsWith(vm + " ")).count() >= 8,
                    "too few steps of " + vm + " in the reference run: " + steps);
        }
        return steps.stream().map(s -> new Fault(s.substring(0, s.indexOf(' ')), s.substring(s.indexOf(' ') + 1)))
                .map(f -> DynamicTest.dynamicTest(f.toString(), () -> trial(f, steps)));
    }

    /**
     * What each VM may end as when {@code fault} fails: the failed one compensated, its dependents skipped.
     * web01 waits for app02 to have started; when app02 fails after its start, web01 is skipped if the plan
     * learnt of the failure before it saw the start, and goes on if it was already under way: both are
     * consistent ends, and which one depends on timing.
     */
    private static Map<String, Set<String>> expected(Fault fault, List<String> steps) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String vm : List.of("db01", "app02", "web01")) {
            out.put(vm, Set.of("completed"));
        }
        out.put(fault.vm(), Set.of(RunState.COMPENSATED.id()));
        switch (fault.vm()) {
            case "db01" -> {
                out.put("app02", Set.of("skipped"));
                out.put("web01", Set.of("skipped"));
            }
            case "app02" -> out.put("web01",
                    steps.indexOf("app02 " + fault.step()) <= steps.indexOf("app02 start")
                            ? Set.of("skipped") : Set.of("skipped", "completed"));
            default -> {
            }
        }
        return out;
    }

    private static void trial(Fault fault, List<String> steps) throws Exception {
        TRIALS.incrementAndGet();
        LocalSiteFixture site = site();
        JsonNode before = site.resources();
        Injector injector = new Injector(fault);
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            Result r = ((Ended.Ran) run(site, journal, injector)).result();
            assertTrue(injector.hits.get() > 0, "the fault was never reached");
            assertEquals(RunState.FAILED, r.state(), r.message());
            assertTrue(r.message().contains(fault.vm() + ": "), r.message());
            Map<String, String> states = journal.runs().stream().filter(x -> x.planRun() != null)
                    .collect(Collectors.toMap(RunRecord::vm, RunRecord::state, (a, b) -> a, TreeMap::new));
            Map<String, Set<String>> allowed = expected(fault, steps);
            assertEquals(allowed.keySet(), states.keySet(), r.message());
            states.forEach((vm, state) -> assertTrue(allowed.get(vm).contains(state),
                    vm + " ended " + state + ", expected one of " + allowed.get(vm) + ":\n" + r.message()));
            assertEquals("replication-ready", journal.lifecycle(fault.vm()).state());

            if (states.containsValue("completed")) {
                Ended rolledBack = new Runs(journal, site.journal).through(injector).decide(r.runId(),
                        Operation.Outcome.ROLLBACK, "ops", null, false, Reporter.NONE);
                assertEquals(ExitCodes.OK, rolledBack.exitCode(), rolledBack.message());
            }
            assertEquals(before, site.resources(), "the plan's rollback left the sites changed");
            assertEquals(List.of(), journal.locks());
            assertEquals(List.of(), injector.appliedTwice());
        }
        PASSED.incrementAndGet();
    }

    @AfterAll
    static void report() {
        System.out.println("fault matrix recovery plan db01+app02+web01: " + TRIALS.get() + " trials, "
                + PASSED.get() + " ended consistent");
    }
}
