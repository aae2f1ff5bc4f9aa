package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.model.Operation;
import dev.runbook.plan.JsonPreview;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import dev.runbook.primitive.Call;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine behaviour the matrices do not reach: observed retries, decision timeouts, blocking prechecks. */
class EngineTest {

    @TempDir
    Path dir;

    @Test
    void aCallThatFailedAfterActingIsObservedNotRepeated() {
        try (Harness h = new Harness(dir)) {
            Faults faults = new Faults("start", Call.Phase.APPLY, Faults.Mode.ERROR_AFTER);
            Result r = h.run("test-failover", "app02", Map.of(), faults, null);
            assertEquals(RunState.COMPLETED, r.state(), r.message());
            assertEquals(1, faults.hits.get(), "the start was repeated after it had acted");
            assertEquals(List.of(), h.appliedTwice());
            var start = RunView.of(h.journal, r.runId()).step("start").orElseThrow();
            assertTrue(start.last().path("observed").asBoolean(), "the success was not recorded as observed");
        }
    }

    @Test
    void aBlockingPrecheckStopsTheRunBeforeAnyChange() {
        try (Harness h = new Harness(dir)) {
            h.site.recoverySite.update(s -> ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("domains").get("ctrl-app02"))
                    .put("state", "shutoff"));
            var before = h.resources();
            Result r = h.run("test-failover", "app02", Map.of(), Faults.none(), null);
            assertEquals(RunState.BLOCKED, r.state(), r.message());
            assertTrue(r.message().contains("controller-online") && r.message().contains("offline")
                    && r.message().contains("bring ctrl-app02 online"), r.message());
            assertEquals(before, h.resources());
            assertEquals(List.of(), h.journal.locks());
        }
    }

    /**
     * Each precheck's outcome is in the journal as soon as it is known, not once the slowest probe of the run
     * has answered: watchers see the prechecks pass one by one.
     */
    @Test
    void eachPrecheckIsJournaledAsItEnds() throws Exception {
        try (Harness h = new Harness(dir)) {
            Faults faults = new Faults("last-sync-succeeded", Call.Phase.PROBE, Faults.Mode.HANG);
            Thread running = Thread.ofPlatform().start(() -> h.run("test-failover", "app02", Map.of(), faults, null));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (faults.hits.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, faults.hits.get(), "the third probe was never asked");
            String run = h.journal.runs().get(0).id();
            List<String> journaled = h.journal.entries(run, 0).stream().filter(e -> e.kind() == Entry.Kind.PRECHECK)
                    .map(e -> e.step() + " " + e.state()).toList();
            running.interrupt();
            running.join(10_000);
            assertEquals(List.of("controller-online passed", "replica-ready passed"), journaled);
        }
    }

    /**
     * A run journaled before the sites' names were settled: its plan binds them as {@code site} and
     * {@code sourceSite}, and its expressions read them so. It still runs on both sites and rolls back.
     */
    @Test
    void aRunJournaledWithTheSitesEarlierNamesRunsAndRollsBack() throws Exception {
        try (Harness h = new Harness(dir)) {
            String now = new ObjectMapper().writeValueAsString(h.plan("planned-failover", "app02", Map.of()));
            String before = now.replace("\"recoverySite\":{", "\"site\":{").replace("\"protectedSite\"", "\"sourceSite\"")
                    .replace("recoverySite.", "site.").replace("protectedSite.", "sourceSite.");
            Plan earlier = JsonPreview.read(before);
            assertTrue(earlier.bindings().containsKey("site") && earlier.bindings().containsKey("sourceSite"), before);
            Result r = h.engine(Faults.none()).start(earlier.withHash(Planner.hash(earlier)),
                    new Engine.Launch("runbooks/planned-failover.yaml", h.site.inventory.toString(), null, null));
            assertEquals(RunState.AWAITING_DECISION, r.state(), r.message());
            assertEquals("shutoff", h.site.protectedSite.read().at("/domains/app02/state").asText(),
                    "the source VM on the protected site was powered off");
            // What a rollback run's undo step does: the failover's compensations, from its journaled plan.
            assertEquals(List.of(), h.engine(Faults.none()).undo(r.runId(), "rollback-run"));
            assertEquals("running", h.site.protectedSite.read().at("/domains/app02/state").asText(),
                    "the rollback powered the source VM back on");
        }
    }

    /** A planned failover of {@code vm} awaiting its decision, with a 1 s window that has passed. */
    private static Result awaitingPastItsWindow(Harness h, Path dir, String vm, String runbookName) throws Exception {
        Path runbook = dir.resolve("runbooks/" + runbookName + ".yaml");
        Files.createDirectories(runbook.getParent());
        Files.writeString(runbook, Files.readString(Path.of("runbooks/" + runbookName + ".yaml"))
                .replace("timeout: 8h", "timeout: 1s"));
        var loaded = h.pipeline.plan(runbook, h.site.inventory, new Planner.Request(vm, Map.of()), Path.of("templates"));
        Plan plan = loaded.value().orElseThrow(() -> new AssertionError(loaded.diagnostics()));
        Result r = h.engine(Faults.none()).start(plan, new Engine.Launch(runbook.toString(), h.site.inventory.toString(),
                null, null));
        assertEquals(RunState.AWAITING_DECISION, r.state(), r.message());
        Thread.sleep(1200);
        return r;
    }

    @Test
    void anOperatorsRollbackAfterTheWindowIsRecordedAsTheOperatorsRollback() throws Exception {
        try (Harness h = new Harness(dir)) {
            Result r = awaitingPastItsWindow(h, dir, "app02", "planned-failover");
            Engine.Decided d = h.engine(Faults.none()).decide(r.runId(), Operation.Outcome.ROLLBACK, "alice", false);
            assertEquals(Operation.Outcome.ROLLBACK, d.outcome(), "an explicit decision is never turned into another");
            var decision = RunView.of(h.journal, r.runId()).decision().orElseThrow();
            assertEquals("alice", decision.path("decidedBy").asText());
            assertEquals("rollback", decision.path("outcome").asText());
        }
    }

    @Test
    void aPassedWindowRemindsOnceAndNeverCommits() throws Exception {
        try (Harness h = new Harness(dir)) {
            Result r = awaitingPastItsWindow(h, dir, "app02", "planned-failover");
            Engine engine = h.engine(Faults.none());
            Engine.Decided first = engine.windowPassed(r.runId());
            assertTrue(first.reminded(), first.toString());
            assertTrue(first.reason().contains("still awaits the operator's"), first.reason());
            assertTrue(engine.windowPassed(r.runId()).reminded());
            RunView view = RunView.of(h.journal, r.runId());
            assertTrue(view.decision().isEmpty(), "nothing was decided");
            assertEquals(1, view.notes().size(), "the reminder is recorded once");
            assertEquals("awaiting-commit", h.journal.lifecycle("app02").state());
            assertEquals(Operation.Outcome.COMMIT, engine.decide(r.runId(), Operation.Outcome.COMMIT, "bob", false).outcome(),
                    "the operator still decides after the reminder");
        }
    }

    @Test
    void aFailbacksRollbackWindowRollsBackByTheTimeoutOnce() throws Exception {
        try (Harness h = new Harness(dir)) {
            FaultMatrixTest.setUp(h, new FaultMatrixTest.Scenario("failback", "app02")); // committed, reprotected
            Result r = awaitingPastItsWindow(h, dir, "app02", "failback");
            Engine engine = h.engine(Faults.none());
            Engine.Decided d = engine.windowPassed(r.runId());
            assertEquals(Operation.Outcome.ROLLBACK, d.outcome(), d.toString());
            assertEquals("timeout", RunView.of(h.journal, r.runId()).decision().orElseThrow().path("decidedBy").asText());
            assertTrue(engine.windowPassed(r.runId()).result().refused(), "decided once");
            assertTrue(engine.decide(r.runId(), Operation.Outcome.COMMIT, "alice", false).result().refused(),
                    "the window decided first");
        }
    }

    @Test
    void aDecisionRecordedFirstStandsAgainstTheWindow() throws Exception {
        try (Harness h = new Harness(dir)) {
            Result r = awaitingPastItsWindow(h, dir, "app02", "planned-failover");
            Engine engine = h.engine(Faults.none());
            assertEquals(Operation.Outcome.COMMIT, engine.decide(r.runId(), Operation.Outcome.COMMIT, "alice", false).outcome());
            Engine.Decided late = engine.windowPassed(r.runId());
            assertTrue(late.result().refused(), "the journal decides, once: " + late);
            assertTrue(late.reason().contains("already decided: commit by alice"), late.reason());
        }
    }

    @Test
    void aPartialRemediationGatesTheOperatorsCommitUntilAccepted() throws Exception {
        try (Harness h = new Harness(dir).guestOf("web01", "partial")) {
            Result r = awaitingPastItsWindow(h, dir, "web01", "planned-failover");
            Engine engine = h.engine(Faults.none());
            Engine.Decided refused = engine.decide(r.runId(), Operation.Outcome.COMMIT, "alice", false);
            assertTrue(refused.result().refused(), refused.toString());
            assertTrue(refused.reason().contains("remediation is partial") && refused.reason().contains("--accept-remediation"),
                    refused.reason());
            assertTrue(RunView.of(h.journal, r.runId()).decision().isEmpty(), "a refused commit records nothing");
            Engine.Decided accepted = engine.decide(r.runId(), Operation.Outcome.COMMIT, "alice", true);
            assertEquals(Operation.Outcome.COMMIT, accepted.outcome());
            var decision = RunView.of(h.journal, r.runId()).decision().orElseThrow();
            assertEquals("alice", decision.at("/accepted/by").asText(), decision.toString());
            assertTrue(decision.path("reason").asText().contains("accepting"), decision.toString());
        }
    }

    @Test
    void noRemediationReportIsFailedShownAtTheDecisionAndGatesTheCommit() throws Exception {
        try (Harness h = new Harness(dir)) {
            Files.writeString(h.site.inventory, Files.readString(h.site.inventory)
                    .replace("reportDeadline: 10m", "reportDeadline: 100ms"));
            Result r = h.run("planned-failover", "web01", Map.of(), Faults.none(), null); // no guest reports
            assertEquals(RunState.AWAITING_DECISION, r.state(), "remediation does not undo a failover: " + r.message());
            assertTrue(r.message().contains("remediation is failed, no report by the deadline of 100ms"), r.message());
            var await = RunView.of(h.journal, r.runId()).step("await-remediation").orElseThrow();
            assertEquals("failed", await.result().path("status").asText(), await.toString());
            Engine.Decided commit = h.engine(Faults.none()).decide(r.runId(), Operation.Outcome.COMMIT, "alice", false);
            assertTrue(commit.result().refused() && commit.reason().contains("remediation is failed"), commit.toString());
        }
    }

    /** A note changes nothing and needs no undo; its message, an expression over the run too, is journaled. */
    @Test
    void aNoteRecordsItsMessageInTheRunsJournal() throws Exception {
        Path runbook = dir.resolve("notes.yaml");
        Files.writeString(runbook, """
                apiVersion: runbooks/v1
                kind: Runbook
                metadata: {name: notes, version: 1.0.0, description: Two notes in the timeline.}
                spec:
                  operation: test-failover
                  inputs:
                    vm: {type: string, required: true}
                    n: {type: integer, default: 41}
                  steps:
                    - id: plain
                      uses: run.note
                      with: {message: "change window opened by the night shift"}
                    - id: counted
                      uses: run.note
                      with: {message: "note ${{ inputs.n + 1 }} of run ${{ run.id }}"}
                """);
        try (Harness h = new Harness(dir)) {
            var loaded = h.pipeline.plan(runbook, h.site.inventory, new Planner.Request("app02", Map.of()), null);
            Plan plan = loaded.value().orElseThrow(() -> new AssertionError(loaded.diagnostics().toString()));
            assertEquals(List.of(), loaded.diagnostics());
            Result r = h.engine(Faults.none()).start(plan, new Engine.Launch(runbook.toString(),
                    h.site.inventory.toString(), null, null));
            assertEquals(RunState.COMPLETED, r.state(), r.message());
            RunView view = RunView.of(h.journal, r.runId());
            assertEquals("change window opened by the night shift",
                    view.step("plain").orElseThrow().result().path("message").asText());
            assertEquals("note 42 of run " + r.runId(), view.step("counted").orElseThrow().result().path("message").asText());
            assertTrue(view.compensations().isEmpty(), "a note registered a compensation: " + view.compensations());
        }
    }
}
