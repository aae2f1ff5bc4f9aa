package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.model.Operation;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * For every shipped runbook and every step that calls the site, a failure injected at that step (an
 * error, and a hang cut by its timeout) ends the run compensated, with the site's state equal to the state
 * before the run, except for what steps declared irreversible did before the failure. Then a failure
 * injected into each compensation ends the run compensation-failed, and resume completes it.
 */
@Tag("fault")
class FaultMatrixTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final AtomicInteger TRIALS = new AtomicInteger();
    private static final AtomicInteger PASSED = new AtomicInteger();

    @TempDir
    static Path root;

    private static int dirs;

    /**
     * A runbook on a VM, after the runs it needs before it (a rollback needs a failover); {@code after}
     * names the run it decides when that is not the usual one (a rollback of a failback).
     */
    record Scenario(String runbook, String vm, String after) {
        Scenario(String runbook, String vm) {
            this(runbook, vm, null);
        }

        @Override
        public String toString() {
            return runbook + "/" + vm + (after == null ? "" : " after " + after);
        }
    }

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("test-failover", "web01"), new Scenario("test-failover", "win03"),
            new Scenario("planned-failover", "web01"), new Scenario("planned-failover", "win03"),
            new Scenario("live-failover", "web01"), new Scenario("live-failover", "win03"),
            new Scenario("rollback", "web01"), new Scenario("commit", "web01"), new Scenario("reprotect", "web01"),
            new Scenario("failback", "web01"), new Scenario("failback-commit", "web01"),
            new Scenario("rollback", "web01", "failback"));

    private static Harness harness(String vm) {
        try {
            Path dir = Files.createDirectory(root.resolve("t" + (dirs++)));
            return new Harness(dir).guestOf(vm);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs what the scenario needs first; returns the run id the runbook continues, or null. */
    static String setUp(Harness h, Scenario s) {
        String needs = s.after() != null ? s.after() : s.runbook();
        switch (needs) {
            case "rollback" -> {
                return ok(h.run("test-failover", s.vm(), Map.of(), Faults.none(), null)).runId();
            }
            case "commit" -> {
                return plannedFailover(h, s.vm());
            }
            case "reprotect" -> {
                committed(h, s.vm());
                return null;
            }
            case "failback" -> {
                committed(h, s.vm());
                ok(h.run("reprotect", s.vm(), Map.of(), Faults.none(), null));
                if (s.after() == null) {
                    return null;
                }
                Result failback = h.run("failback", s.vm(), Map.of(), Faults.none(), null);
                assertEquals(RunState.AWAITING_DECISION, failback.state(), failback.message());
                return failback.runId();
            }
            case "failback-commit" -> {
                committed(h, s.vm());
                ok(h.run("reprotect", s.vm(), Map.of(), Faults.none(), null));
                Result failback = h.run("failback", s.vm(), Map.of(), Faults.none(), null);
                assertEquals(RunState.AWAITING_DECISION, failback.state(), failback.message());
                h.engine(Faults.none()).decide(failback.runId(), Operation.Outcome.COMMIT, "test", false);
                return failback.runId();
            }
            default -> {
                return null;
            }
        }
    }

    /** A planned failover whose decision is commit; returns its id for the commit run. */
    private static String plannedFailover(Harness h, String vm) {
        Result failover = h.run("planned-failover", vm, Map.of(), Faults.none(), null);
        assertEquals(RunState.AWAITING_DECISION, failover.state(), failover.message());
        h.engine(Faults.none()).decide(failover.runId(), Operation.Outcome.COMMIT, "test", false);
        return failover.runId();
    }

    private static void committed(Harness h, String vm) {
        String failover = plannedFailover(h, vm);
        ok(h.run("commit", vm, Map.of("failoverRun", failover), Faults.none(), failover));
    }

    private static Result ok(Result r) {
        assertTrue(r.state() == RunState.COMPLETED || r.state() == RunState.AWAITING_DECISION, r.state() + ": " + r.message());
        return r;
    }

    private static Result runScenario(Harness h, Scenario s, String parent, Faults faults) {
        Map<String, String> sets = parent == null ? Map.of() : Map.of("failoverRun", parent);
        return h.run(s.runbook(), s.vm(), sets, faults, parent);
    }

    /** The reference run: the steps that called the site, and the state after each. */
    record Reference(List<String> steps, Map<String, Map<String, String>> after, Map<String, String> before,
                     List<String> irreversible, List<String> engineOwn) {
    }

    private static Reference reference(Scenario s) {
        try (Harness h = harness(s.vm())) {
            String parent = setUp(h, s);
            Map<String, String> before = flat(h);
            Map<String, Map<String, String>> after = new LinkedHashMap<>();
            List<String> steps = new ArrayList<>();
            Plan plan = h.plan(s.runbook(), s.vm(), parent == null ? Map.of() : Map.of("failoverRun", parent));
            Map<String, Plan.PlannedAction> byId = new LinkedHashMap<>();
            collect(plan.steps(), byId);
            h.journal.subscribe(e -> {
                if (e.kind() == Entry.Kind.STEP && e.state().equals("succeeded") && byId.containsKey(e.step())) {
                    steps.add(e.step());
                    after.put(e.step(), flat(h));
                }
            });
            Result r = runScenario(h, s, parent, Faults.none());
            ok(r);
            List<String> irreversible = steps.stream().filter(id -> byId.get(id).irreversible() != null).toList();
            List<String> engineOwn = steps.stream().filter(id -> byId.get(id).uses().equals("failover.undo")).toList();
            return new Reference(List.copyOf(steps), after, before, irreversible, engineOwn);
        }
    }

    /** Every action by id: the steps that call a primitive. */
    private static void collect(List<Plan.PlannedStep> steps, Map<String, Plan.PlannedAction> into) {
        for (Plan.PlannedStep p : steps) {
            if (p instanceof Plan.PlannedAction a) {
                into.put(a.id(), a);
            }
            collect(p.children(), into);
        }
    }

    /** The state before the run, with what irreversible steps before step k changed. */
    private static Map<String, String> expected(Reference ref, String failing) {
        Map<String, String> out = new TreeMap<>(ref.before());
        Map<String, String> previous = ref.before();
        for (String id : ref.steps()) {
            if (id.equals(failing)) {
                break;
            }
            Map<String, String> now = ref.after().get(id);
            if (ref.irreversible().contains(id)) {
                for (String k : union(previous, now)) {
                    if (now.containsKey(k)) {
                        out.put(k, now.get(k));
                    } else {
                        out.remove(k);
                    }
                }
            }
            previous = now;
        }
        return out;
    }

    private static List<String> union(Map<String, String> a, Map<String, String> b) {
        List<String> keys = new ArrayList<>();
        for (String k : new java.util.TreeSet<>(a.keySet()) {{ addAll(b.keySet()); }}) {
            if (!java.util.Objects.equals(a.get(k), b.get(k))) {
                keys.add(k);
            }
        }
        return keys;
    }

    /** The recoverable state as pointer -> value, with run ids replaced by their order of start. */
    static Map<String, String> flat(Harness h) {
        String text = h.resources().toString();
        List<RunRecord> runs = new ArrayList<>(h.journal.runs());
        java.util.Collections.reverse(runs);
        for (int i = 0; i < runs.size(); i++) {
            text = text.replace(runs.get(i).id(), "<run-" + (i + 1) + ">");
        }
        Map<String, String> out = new TreeMap<>();
        try {
            flatten(MAPPER.readTree(text), "", out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static void flatten(JsonNode n, String at, Map<String, String> out) {
        if (n.isObject() && !n.isEmpty()) {
            n.properties().forEach(e -> flatten(e.getValue(), at + "/" + e.getKey(), out));
        } else if (n.isArray() && !n.isEmpty()) {
            for (int i = 0; i < n.size(); i++) {
                flatten(n.get(i), at + "/" + i, out);
            }
        } else {
            out.put(at, n.toString());
        }
    }

    @TestFactory
    Stream<DynamicTest> failureAtEveryStepIsCompensated() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Scenario s : SCENARIOS) {
            Reference ref = reference(s);
            for (String step : ref.steps()) {
                if (ref.engineOwn().contains(step)) {
                    continue; // failover.undo belongs to the engine: its failures are the compensation trials below
                }
                for (Faults.Mode mode : List.of(Faults.Mode.ERROR, Faults.Mode.HANG)) {
                    tests.add(DynamicTest.dynamicTest(s + " fails at " + step + " by " + mode, () -> trial(s, ref, step, mode)));
                }
            }
        }
        return tests.stream();
    }

    private static void trial(Scenario s, Reference ref, String step, Faults.Mode mode) {
        TRIALS.incrementAndGet();
        try (Harness h = harness(s.vm())) {
            String parent = setUp(h, s);
            Faults faults = new Faults(step, Call.Phase.APPLY, mode);
            Result r = runScenario(h, s, parent, faults);
            assertEquals(RunState.COMPENSATED, r.state(), r.message());
            assertTrue(r.message().contains(step), r.message());
            assertTrue(faults.hits.get() > 0, "the fault was never reached");
            if (mode == Faults.Mode.HANG) {
                assertTrue(faults.cancelled.get(), "the hanging call was not cancelled");
            }
            assertSame(expected(ref, step), flat(h));
            assertEquals(List.of(), h.appliedTwice());
            assertTrue(h.journal.locks().stream().noneMatch(l -> l.runId().equals(r.runId())), "locks kept: " + h.journal.locks());
            PASSED.incrementAndGet();
        }
    }

    @TestFactory
    Stream<DynamicTest> failureInEveryCompensationIsReportedAndResumable() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Scenario s : List.of(new Scenario("test-failover", "web01"), new Scenario("planned-failover", "win03"))) {
            Reference ref = reference(s);
            try (Harness h = harness(s.vm())) {
                Plan plan = h.plan(s.runbook(), s.vm(), Map.of());
                Map<String, Plan.PlannedAction> byId = new LinkedHashMap<>();
                collect(plan.steps(), byId);
                String last = ref.steps().get(ref.steps().size() - 1);
                for (String step : ref.steps()) {
                    Plan.PlannedAction p = byId.get(step);
                    if (p.undo() != null && p.undo().uses() != null && !step.equals(last)) {
                        tests.add(DynamicTest.dynamicTest(s + " undo of " + step + " fails", () -> compensationTrial(s, step, last)));
                    }
                }
            }
        }
        return tests.stream();
    }

    private static void compensationTrial(Scenario s, String step, String last) {
        TRIALS.incrementAndGet();
        try (Harness h = harness(s.vm())) {
            Map<String, String> before = flat(h);
            Faults faults = new Faults(new Faults.Rule(last, Call.Phase.APPLY, Faults.Mode.ERROR),
                    new Faults.Rule(step, Call.Phase.COMPENSATE, Faults.Mode.ERROR));
            Engine engine = h.engine(faults);
            Plan plan = h.plan(s.runbook(), s.vm(), Map.of());
            Result r = engine.start(plan, new Engine.Launch("runbooks/" + s.runbook() + ".yaml", h.site.inventory.toString(), null, null));
            assertEquals(RunState.COMPENSATION_FAILED, r.state(), r.message());
            assertTrue(r.message().contains("undo") && r.message().contains(step), r.message());
            assertEquals("compensation-failed", h.journal.run(r.runId()).orElseThrow().state());
            assertTrue(h.journal.locks().stream().anyMatch(l -> l.runId().equals(r.runId())), "the lock must stay held");
            faults.disable();
            Result resumed = engine.resume(r.runId());
            assertEquals(RunState.COMPENSATED, resumed.state(), resumed.message());
            assertSame(before, flat(h));
            assertEquals(List.of(), h.appliedTwice());
            PASSED.incrementAndGet();
        }
    }

    /** Equal states, or a failure listing only the differences. */
    static void assertSame(Map<String, String> expected, Map<String, String> actual) {
        List<String> diff = new ArrayList<>();
        for (String k : new java.util.TreeSet<>(expected.keySet()) {{ addAll(actual.keySet()); }}) {
            if (!java.util.Objects.equals(expected.get(k), actual.get(k))) {
                diff.add(k + ": expected " + expected.get(k) + ", was " + actual.get(k));
            }
        }
        assertTrue(diff.isEmpty(), "the site differs from the expected state:\n  " + String.join("\n  ", diff));
    }

    @AfterAll
    static void report() {
        System.out.println("fault matrix: " + TRIALS.get() + " trials, " + PASSED.get() + " ended consistent");
    }
}
