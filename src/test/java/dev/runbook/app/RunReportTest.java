package dev.runbook.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Engine;
import dev.runbook.exec.LocalSiteFixture;
import dev.runbook.exec.Options;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunState;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.model.Operation;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.StateFileOwnership;
import dev.runbook.primitive.local.LocalAdapter;
import dev.runbook.primitive.local.LocalSite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run report's JSON, over runs the engine drives on local sites: every state a run can be left in. */
class RunReportTest {

    @TempDir
    Path dir;

    /** Local sites, a journal, and primitives whose call of one step may fail or crash the process. */
    private static final class Site implements AutoCloseable {
        final LocalSiteFixture fixture;
        final SqliteJournal journal;
        final Pipeline pipeline = new Pipeline();
        String failStep;
        RuntimeException crash;

        Site(Path dir, String guestStatus) {
            fixture = new LocalSiteFixture(dir);
            journal = SqliteJournal.open(fixture.journal);
            // A local site has no guests: report for web01's once its recovered VM has started.
            journal.subscribe(e -> {
                if (e.step() != null && e.step().equals("start") && e.state().equals("succeeded")) {
                    fixture.recoverySite.report("web01", guestStatus, List.of(
                            new LocalSite.Action("network 52:54:00:10:00:01", guestStatus, "10.10.0.21/24 on ens3")));
                }
            });
        }

        Engine engine(String by) {
            // No timeout cap: a call without a timeout then runs on the engine's thread, so a crash stops the run.
            Options options = Options.defaults(null).withSleeper(d -> { }).actingAs(by);
            return new Engine(journal, new LocalAdapter().primitives().map(this::faulty), options, pipeline.expressions(),
                    new StateFileOwnership("recovery", StateFile.at(fixture.recoverySite.file()),
                            StateFile.at(fixture.protectedSite.file())));
        }

        Result run(String runbook, String vm, String by, String parent) {
            Map<String, String> sets = parent == null ? Map.of() : Map.of("failoverRun", parent);
            var loaded = pipeline.plan(Path.of("runbooks", runbook + ".yaml"), fixture.inventory, new Planner.Request(vm, sets), null);
            Plan plan = loaded.value().orElseThrow(() -> new AssertionError(loaded.diagnostics()));
            return engine(by).start(plan, new Engine.Launch("runbooks/" + runbook + ".yaml", fixture.inventory.toString(),
                    "0123abcd", parent));
        }

        ObjectNode report(String runId) {
            return RunReport.of(journal, runId).orElseThrow();
        }

        private Primitive faulty(Primitive inner) {
            return new Primitive() {
                @Override
                public PrimitiveSpec spec() {
                    return inner.spec();
                }

                @Override
                public JsonNode apply(Call call) throws PrimitiveException, InterruptedException {
                    if (call.stepId().equals(failStep) && call.phase() == Call.Phase.APPLY) {
                        if (crash != null) {
                            throw crash;
                        }
                        throw new PrimitiveException("the site refused " + inner.spec().name());
                    }
                    return inner.apply(call);
                }

                @Override
                public Observation observe(Call call) throws PrimitiveException, InterruptedException {
                    return inner.observe(call);
                }
            };
        }

        @Override
        public void close() {
            journal.close();
            pipeline.close();
        }
    }

    private static List<String> ids(JsonNode items, String key) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.path(key).asText()));
        return out;
    }

    private static List<String> texts(JsonNode items) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.asText()));
        return out;
    }

    private static JsonNode byId(JsonNode items, String key, String id) {
        for (JsonNode i : items) {
            if (i.path(key).asText().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no " + id + " in " + items);
    }

    @Test
    void aTestFailoverRolledBackShowsItsRollbackRunTheDecisionAndEveryStepWithItsTimes() {
        try (Site site = new Site(dir, "succeeded")) {
            Result failover = site.run("test-failover", "web01", "alice", null);
            assertEquals(RunState.COMPLETED, failover.state(), failover.message());
            Result rollback = site.run("rollback", "web01", "bob", failover.runId());
            assertEquals(RunState.COMPLETED, rollback.state(), rollback.message());

            ObjectNode report = site.report(failover.runId());
            JsonNode run = report.path("runs").get(0);
            assertEquals(failover.runId(), run.path("id").asText());
            assertEquals("test-failover", run.path("operation").asText());
            assertEquals("web01", run.path("vm").asText());
            assertEquals("rolled-back", run.path("state").asText(), "the failover ends when its rollback completes");
            assertEquals("alice", run.path("startedBy").asText());
            assertEquals("test-failover", run.at("/runbook/name").asText());
            assertEquals("1.0.0", run.at("/runbook/version").asText());
            assertEquals(64, run.at("/runbook/sha256").asText().length());
            assertEquals("0123abcd", run.at("/runbook/git").asText());
            assertEquals("sample", run.at("/inventory/name").asText());
            assertTrue(run.at("/inventory/file").asText().endsWith("inventory.yaml"));
            assertFalse(run.path("planHash").asText().isEmpty());
            assertTrue(run.path("ended").asBoolean());
            assertTrue(run.path("durationMillis").asLong() >= 0);

            // linked both ways
            assertEquals(List.of(rollback.runId()), texts(run.path("continuedBy")));
            assertEquals(2, report.path("runs").size());
            JsonNode child = report.path("runs").get(1);
            assertEquals(rollback.runId(), child.path("id").asText());
            assertEquals("rollback", child.path("operation").asText());
            assertEquals(failover.runId(), child.path("continues").asText());
            ObjectNode ofRollback = site.report(rollback.runId());
            assertEquals(failover.runId(), ofRollback.at("/continues/id").asText());
            assertEquals("alice", ofRollback.at("/continues/startedBy").asText());

            JsonNode decision = report.path("decisions").get(0);
            assertEquals("rollback", decision.path("outcome").asText());
            assertEquals("bob", decision.path("decidedBy").asText());
            assertEquals(failover.runId(), decision.path("run").asText());
            assertTrue(decision.path("reason").asText().contains(rollback.runId()), decision.toString());

            // every planned step, with its times; the guarded ones skipped with the reason
            assertEquals(List.of("stop-exports", "stop-controller", "rollback-snapshots", "adapt-root-disk",
                    "stage-linux-remediation", "stage-windows-remediation", "switch-compute", "reorder-disks",
                    "map-test-networks", "enable-uefi", "start", "validate", "await-running", "await-remediation"),
                    ids(run.path("steps"), "id"));
            for (JsonNode s : run.path("steps")) {
                assertTrue(s.has("startedAt") && s.has("endedAt") && s.has("millis"), s.toString());
                assertFalse(s.path("transitions").isEmpty(), s.toString());
            }
            JsonNode uefi = byId(run.path("steps"), "id", "enable-uefi");
            assertEquals("skipped", uefi.path("state").asText());
            assertTrue(uefi.path("reason").asText().contains("vm.firmware == 'uefi'"), uefi.toString());
            JsonNode start = byId(run.path("steps"), "id", "start");
            assertEquals("succeeded", start.path("state").asText());
            assertEquals(1, start.path("attempts").asInt());
            assertEquals(List.of("running", "succeeded"), ids(start.path("transitions"), "state"));
            assertEquals("validate", byId(run.path("steps"), "id", "await-running").path("group").asText());
            assertTrue(run.path("notExecuted").isEmpty(), run.path("notExecuted").toString());

            // the rollback undid the failover's changes through its compensations, in reverse
            JsonNode stopExports = byId(run.path("compensations"), "step", "stop-exports");
            assertEquals("done", stopExports.path("state").asText());
            assertEquals("replication.start-export", stopExports.path("undo").asText());
            assertEquals("covered", byId(run.path("compensations"), "step", "adapt-root-disk").path("state").asText());
            assertTrue(run.path("prechecks").size() >= 7);
            run.path("prechecks").forEach(p -> assertEquals("passed", p.path("state").asText(), p.toString()));

            assertEquals("succeeded", run.at("/remediation/status").asText());
            JsonNode nic = run.path("network").get(0);
            assertEquals("52:54:00:10:00:01", nic.path("mac").asText());
            assertEquals("10.10.0.21/24", nic.at("/expected/address").asText());
            assertEquals("dr-test-isolated", nic.at("/attachedTo/network").asText());
            assertEquals("succeeded", nic.at("/observed/status").asText());
            assertEquals("10.10.0.21/24 on ens3", nic.at("/observed/detail").asText());
            assertEquals(List.of("test-failover-active"), ids(run.path("lifecycle"), "state"));
            assertEquals(List.of("rolled-back", "replication-ready"), ids(child.path("lifecycle"), "state"));

            assertEquals(report, site.report(failover.runId()), "the same journal gives the same report");
            assertEquals(64, report.at("/integrity/sha256").asText().length());
            assertEquals(List.of(failover.runId(), rollback.runId()), texts(report.at("/integrity/entriesOf")));
        }
    }

    @Test
    void aDecisionAcceptingRemediationIsReportedWithWhoAndWhenAndTheRunAwaitingItSaysSo() {
        try (Site site = new Site(dir, "partial")) {
            Result failover = site.run("planned-failover", "web01", "alice", null);
            assertEquals(RunState.AWAITING_DECISION, failover.state(), failover.message());
            JsonNode awaiting = site.report(failover.runId()).path("runs").get(0);
            assertEquals("awaiting-decision", awaiting.path("state").asText());
            assertFalse(awaiting.path("ended").asBoolean());
            assertEquals("decide", awaiting.at("/awaiting/step").asText(), awaiting.path("awaiting").toString());
            assertTrue(awaiting.at("/awaiting/commitWhen").isTextual());
            assertEquals("partial", awaiting.at("/remediation/status").asText());

            var decided = site.engine("alice").decide(failover.runId(), Operation.Outcome.COMMIT, "alice", true);
            assertEquals(Operation.Outcome.COMMIT, decided.outcome(), decided.toString());
            Result commit = site.run("commit", "web01", "alice", failover.runId());
            assertEquals(RunState.COMPLETED, commit.state(), commit.message());

            ObjectNode report = site.report(failover.runId());
            assertEquals("committed", report.at("/runs/0/state").asText());
            assertEquals(1, report.path("decisions").size(), "the commit run carries out the recorded decision");
            JsonNode d = report.path("decisions").get(0);
            assertEquals("commit", d.path("outcome").asText());
            assertEquals("alice", d.path("decidedBy").asText());
            assertEquals("alice", d.at("/acceptedRemediation/by").asText());
            assertTrue(d.at("/acceptedRemediation/gate").isTextual() && d.at("/acceptedRemediation/at").isTextual(), d.toString());
            assertEquals(commit.runId(), report.at("/runs/1/id").asText());
        }
    }

    @Test
    void aCompensatedRunShowsTheFailureItsRetriesAndEachCompensation() {
        try (Site site = new Site(dir, "succeeded")) {
            site.failStep = "start";
            Result r = site.run("test-failover", "app02", "alice", null);
            assertEquals(RunState.COMPENSATED, r.state(), r.message());

            JsonNode run = site.report(r.runId()).path("runs").get(0);
            assertEquals("compensated", run.path("state").asText());
            assertTrue(run.path("message").asText().contains("Every change was undone"), run.path("message").asText());
            JsonNode start = byId(run.path("steps"), "id", "start");
            assertEquals("failed", start.path("state").asText());
            assertEquals(3, start.path("attempts").asInt(), "retry: attempts 3");
            assertEquals(2, start.path("retries").asInt());
            assertTrue(start.path("error").asText().contains("the site refused libvirt.domain.start"), start.toString());
            assertEquals(List.of("running", "retrying", "running", "retrying", "running", "failed"),
                    ids(start.path("transitions"), "state"));

            assertEquals(List.of("validate", "await-running", "await-remediation"), ids(run.path("notExecuted"), "id"));
            assertTrue(run.at("/notExecuted/0/why").asText().contains("ended compensated"));

            JsonNode compensations = run.path("compensations");
            assertEquals(Set.of("done", "not-needed"), Set.copyOf(ids(compensations, "state")), compensations.toString());
            assertEquals("not-needed", byId(compensations, "step", "start").path("state").asText(),
                    "the start never took effect");
            JsonNode snapshots = byId(compensations, "step", "rollback-snapshots");
            assertEquals("storage.revert", snapshots.path("undo").asText());
            assertTrue(snapshots.has("startedAt") && snapshots.has("endedAt") && snapshots.has("millis"), snapshots.toString());
            assertTrue(ids(run.path("locks"), "state").contains("released"));
            assertTrue(site.report(r.runId()).path("decisions").isEmpty());
        }
    }

    @Test
    void aRunCutOffMidwayIsStillRunningAndListsTheStepsItNeverStarted() {
        try (Site site = new Site(dir, "succeeded")) {
            site.failStep = "map-test-networks";
            site.crash = new IllegalStateException("the process died here");
            assertThrows(IllegalStateException.class, () -> site.run("test-failover", "app02", "alice", null));
            String id = site.journal.runs().get(0).id();

            ObjectNode report = site.report(id);
            JsonNode run = report.path("runs").get(0);
            assertEquals("running", run.path("state").asText());
            assertFalse(run.path("ended").asBoolean());
            assertFalse(run.has("endedAt"));
            assertEquals("running", byId(run.path("steps"), "id", "map-test-networks").path("state").asText());
            assertFalse(byId(run.path("steps"), "id", "map-test-networks").has("endedAt"));
            assertEquals(List.of("enable-uefi", "start", "validate", "await-running", "await-remediation"),
                    ids(run.path("notExecuted"), "id"));
            assertTrue(run.at("/notExecuted/0/why").asText().contains("runbook resume " + id), run.path("notExecuted").toString());
            assertEquals("registered", byId(run.path("compensations"), "step", "stop-exports").path("state").asText());
            assertEquals(Optional.empty(), RunReport.of(site.journal, "no-such-run"));
        }
    }
}
