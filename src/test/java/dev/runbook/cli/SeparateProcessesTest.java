package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.exec.LocalSiteFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The operator's path across separate processes, each a fresh JVM on the same journal: a test failover
 * then a rollback; a planned failover, which ends awaiting a decision, then a commit; two runs started
 * together on one VM, of which exactly one proceeds.
 */
@Tag("process")
class SeparateProcessesTest {

    @TempDir
    Path dir;

    record Ran(int code, String output) {
    }

    private Ran cli(LocalSiteFixture site, String... args) throws Exception {
        Process p = start(site, args);
        return finish(p);
    }

    private Process start(LocalSiteFixture site, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvm.command());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--journal", site.journal.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static Ran finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process did not end");
        return new Ran(p.exitValue(), out);
    }

    @Test
    void testFailoverThenRollbackInSeparateProcesses() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        var before = site.resources();
        Ran run = cli(site, "run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02");
        assertEquals(0, run.code(), run.output());
        String id = LifecycleCliTest.runId(new Cli(0, run.output(), ""));

        Ran status = cli(site, "status");
        assertTrue(status.output().contains("test-failover-active"), status.output());
        assertTrue(status.output().contains("vm:app02") && status.output().contains(id), status.output());

        Ran rollback = cli(site, "rollback", id);
        assertEquals(0, rollback.code(), rollback.output());
        assertEquals(before, site.resources());
        Ran after = cli(site, "status", id);
        assertTrue(after.output().contains("rolled-back"), after.output());
    }

    @Test
    void plannedFailoverThenCommitInSeparateProcesses() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        Ran run = cli(site, "run", "runbooks/planned-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02");
        assertEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("awaiting a decision"), run.output());
        String id = LifecycleCliTest.runId(new Cli(0, run.output(), ""));

        Ran commit = cli(site, "commit", id, "--by", "alice");
        assertEquals(0, commit.code(), commit.output());
        Ran status = cli(site, "status", id, "--output", "json");
        assertTrue(status.output().contains("\"state\" : \"committed\""), status.output());
        assertTrue(status.output().contains("\"decidedBy\" : \"alice\""), status.output());
        assertTrue(!site.recoverySite.read().get("disks").toString().contains("pre-failover-" + id), "rollback snapshots were kept");

        Ran rollback = cli(site, "rollback", id);
        assertEquals(6, rollback.code(), rollback.output());
        assertTrue(rollback.output().contains("commit is final"), rollback.output());
    }

    @Test
    void twoRunsOnOneVmStartedTogetherOnlyOneProceeds() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        String[] args = {"run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02"};
        Process a = start(site, args);
        Process b = start(site, args);
        Ran ra = finish(a);
        Ran rb = finish(b);
        List<Integer> codes = new ArrayList<>(List.of(ra.code(), rb.code()));
        java.util.Collections.sort(codes);
        assertEquals(List.of(0, 6), codes, ra.output() + "\n----\n" + rb.output());
        Ran refused = ra.code() == 6 ? ra : rb;
        Ran winner = ra.code() == 6 ? rb : ra;
        String id = LifecycleCliTest.runId(new Cli(0, winner.output(), ""));
        // while the winner runs its lock refuses; once it completed, app02's lifecycle state does: both name it
        assertTrue(refused.output().contains("run " + id), refused.output());
    }

    @Test
    void aSavedPlanRunsOnlyWhileNothingChanged() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        Path plan = dir.resolve("plan.json");
        Cli saved = Cli.run("plan", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--out", plan.toString(), "-f", "json");
        assertEquals(0, saved.code(), saved.err());
        assertTrue(Files.readString(plan).contains("\"observed\""), "the live state was not recorded");

        // the live state drifts: the last sync failed since planning
        site.recoverySite.update(s -> ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("replication").get("app02"))
                .put("lastResult", "failed"));
        Cli stale = Cli.run("run", "--plan", plan.toString(), "--journal", site.journal.toString());
        assertEquals(4, stale.code(), stale.err());
        assertTrue(stale.err().contains("last-sync-succeeded"), stale.err());
        site.recoverySite.update(s -> ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("replication").get("app02"))
                .put("lastResult", "succeeded"));

        // the inventory changes
        String inventory = Files.readString(site.inventory);
        Files.writeString(site.inventory, inventory + "\n# reviewed\n");
        Cli changed = Cli.run("run", "--plan", plan.toString(), "--journal", site.journal.toString());
        assertEquals(4, changed.code(), changed.err());
        assertTrue(changed.err().contains("inventory") && changed.err().contains("changed since planning"), changed.err());
        Files.writeString(site.inventory, inventory);

        Cli ok = Cli.run("run", "--plan", plan.toString(), "--journal", site.journal.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("completed"), ok.out());
    }
}
