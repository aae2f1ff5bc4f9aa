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

    @Test
    void aDecisionPastItsDeadlineTakesOnTimeout() throws Exception {
        try (Harness h = new Harness(dir)) {
            Path runbook = dir.resolve("runbooks/planned-failover.yaml");
            Files.createDirectories(runbook.getParent());
            Files.writeString(runbook, Files.readString(Path.of("runbooks/planned-failover.yaml"))
                    .replace("timeout: 8h", "timeout: 1s"));
            var loaded = h.pipeline.plan(runbook, h.site.inventory, new Planner.Request("app02", Map.of()), Path.of("templates"));
            Plan plan = loaded.value().orElseThrow(() -> new AssertionError(loaded.diagnostics()));
            Engine engine = h.engine(Faults.none());
            Result r = engine.start(plan, new Engine.Launch(runbook.toString(), h.site.inventory.toString(), null, null));
            assertEquals(RunState.AWAITING_DECISION, r.state(), r.message());
            assertEquals("awaiting-commit", h.journal.lifecycle("app02").state());
            Thread.sleep(1200);
            Engine.Decided d = engine.decide(r.runId(), Operation.Outcome.COMMIT, "alice");
            assertEquals(Operation.Outcome.ROLLBACK, d.outcome(), "a late commit must not win over the timeout");
            var decision = RunView.of(h.journal, r.runId()).decision().orElseThrow();
            assertEquals("timeout", decision.path("decidedBy").asText());
            assertTrue(decision.path("reason").asText().contains("onTimeout rollback"), decision.toString());
        }
    }
}
