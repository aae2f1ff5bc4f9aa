package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.model.Operation;
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

    /** A planned failover awaiting its decision, with a 1 s decision timeout; returns the decision made after it. */
    private static com.fasterxml.jackson.databind.JsonNode lateCommit(Harness h, Path dir, String vm,
                                                                     Operation.Outcome expected) throws Exception {
        Path runbook = dir.resolve("runbooks/planned-failover.yaml");
        Files.createDirectories(runbook.getParent());
        Files.writeString(runbook, Files.readString(Path.of("runbooks/planned-failover.yaml"))
                .replace("timeout: 8h", "timeout: 1s"));
        var loaded = h.pipeline.plan(runbook, h.site.inventory, new Planner.Request(vm, Map.of()), Path.of("templates"));
        Plan plan = loaded.value().orElseThrow(() -> new AssertionError(loaded.diagnostics()));
        Engine engine = h.engine(Faults.none());
        Result r = engine.start(plan, new Engine.Launch(runbook.toString(), h.site.inventory.toString(), null, null));
        assertEquals(RunState.AWAITING_DECISION, r.state(), r.message());
        assertEquals("awaiting-commit", h.journal.lifecycle(vm).state());
        Thread.sleep(1200);
        Engine.Decided d = engine.decide(r.runId(), Operation.Outcome.ROLLBACK, "alice");
        assertEquals(expected, d.outcome(), "a late decision must not win over the timeout");
        var decision = RunView.of(h.journal, r.runId()).decision().orElseThrow();
        assertEquals("timeout", decision.path("decidedBy").asText());
        return decision;
    }

    @Test
    void aDecisionPastItsDeadlineCommitsWhenRemediationWasNotNeeded() throws Exception {
        try (Harness h = new Harness(dir)) {
            var decision = lateCommit(h, dir, "app02", Operation.Outcome.COMMIT);
            assertTrue(decision.path("reason").asText().contains("onTimeout commit"), decision.toString());
        }
    }

    @Test
    void aPartialRemediationBlocksTheAutomaticCommit() throws Exception {
        try (Harness h = new Harness(dir).guestOf("web01", "partial")) {
            var decision = lateCommit(h, dir, "web01", Operation.Outcome.ROLLBACK);
            assertTrue(decision.path("reason").asText().contains("commitWhen"), decision.toString());
            assertTrue(decision.path("reason").asText().contains("is false, so rollback"), decision.toString());
        }
    }
}
