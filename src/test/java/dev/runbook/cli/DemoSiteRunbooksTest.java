package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.libvirt.QemuImg;
import dev.runbook.primitive.libvirt.Session;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Every shipped runbook end to end on a demo site (libvirt test driver, qcow2 disks), one command at a
 * time as an operator runs them; each command opens the site afresh, so state crosses commands only
 * through the site's files, as it would cross processes.
 */
@Tag("site")
class DemoSiteRunbooksTest {

    @TempDir
    Path tmp;

    private Cli run(DemoFixture site, String runbook, String vm) {
        return Cli.run("run", "runbooks/" + runbook + ".yaml", "-i", site.inventory.toString(), "--vm", vm,
                "--journal", site.journal.toString());
    }

    private static void ok(Cli c) {
        assertEquals(0, c.code(), c.out() + c.err());
    }

    @Test
    void testFailoverRebuildsTheControllerThenRollbackRestoresIt() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Path replica = site.replica("app02", "root");
        Path before = DemoFixture.copy(replica, tmp.resolve("before/app02-root.qcow2"));
        String definition = site.definition(site.recoverySite, "ctrl-app02");

        Cli failover = run(site, "test-failover", "app02");
        ok(failover);
        String id = LifecycleCliTest.runId(failover);
        String recovered = site.definition(site.recoverySite, "ctrl-app02");
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        assertTrue(recovered.contains("<vcpu placement='static'>4</vcpu>"), recovered);
        assertTrue(recovered.contains("<memory unit='KiB'>8388608</memory>"), recovered);
        assertTrue(recovered.contains("firmware='efi'"), recovered);
        assertTrue(recovered.contains("<source network='dr-test-isolated'/>"), recovered);
        int root = recovered.indexOf(replica.toString());
        int boot = recovered.indexOf("ctrl-app02-boot.qcow2");
        assertTrue(root > 0 && root < boot, "the replica root disk is not the first disk:\n" + recovered);
        assertTrue(recovered.substring(root).matches("(?s).*?<target dev='vda'.*?<boot order='1'/>.*"), recovered);
        assertEquals("stopped", site.export("app02"));
        assertTrue(QemuImg.snapshots(replica).contains("pre-failover-" + id));
        assertEquals("running", site.state(site.protectedSite, "app02"), "a test failover leaves the source alone");

        DemoFixture.write(replica, 0x5a); // the test VM writes to its disk
        assertFalse(DemoFixture.identical(before, replica));

        ok(Cli.run("rollback", id, "--journal", site.journal.toString()));
        assertTrue(DemoFixture.identical(before, replica), "rollback did not restore the replica's content");
        assertTrue(QemuImg.snapshots(replica).isEmpty(), "the rollback snapshot is left behind");
        assertTrue(Session.sameDefinition(definition, site.definition(site.recoverySite, "ctrl-app02")),
                Session.difference(definition, site.definition(site.recoverySite, "ctrl-app02")));
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        assertEquals("active", site.export("app02"));
    }

    /**
     * The site, not the journal, decides who may change a VM: a failover from a second journal (another
     * folder) is refused while the first holds the VM, names its holder, and changes nothing.
     */
    @Test
    void aSecondJournalCannotFailOverAVmTheFirstHolds() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        String original = site.definition(site.recoverySite, "ctrl-app02");
        Path other = tmp.resolve("elsewhere/.state/journal.db");
        Cli first = run(site, "test-failover", "app02");
        ok(first);
        String id = LifecycleCliTest.runId(first);
        String failedOver = site.definition(site.recoverySite, "ctrl-app02");

        Cli second = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", other.toString());
        assertEquals(ExitCodes.REFUSED, second.code(), second.out() + second.err());
        assertTrue((second.out() + second.err()).contains("owned at its site by run " + id + " (journal "
                + site.journal.toAbsolutePath()), second.out() + second.err());
        assertEquals(failedOver, site.definition(site.recoverySite, "ctrl-app02"), "the refused run changed the site");

        ok(Cli.run("rollback", id, "--journal", site.journal.toString()));
        assertTrue(Session.sameDefinition(original, site.definition(site.recoverySite, "ctrl-app02")));
        assertTrue(site.recoveryState().path("owners").isMissingNode(), "the rollback left its ownership record");

        Cli again = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", other.toString());
        ok(again);
        ok(Cli.run("rollback", LifecycleCliTest.runId(again), "--journal", other.toString()));
        assertTrue(Session.sameDefinition(original, site.definition(site.recoverySite, "ctrl-app02")));
    }

    /** The rollback resumes replication, and says plainly when it cannot: never a clean success then. */
    @Test
    void aRollbackWhoseReplicationCannotResumeEndsFailedSayingSo() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Cli failover = run(site, "test-failover", "app02");
        ok(failover);
        String id = LifecycleCliTest.runId(failover);
        dev.runbook.primitive.StateFile.at(site.recoverySite.state()).change(c -> ((com.fasterxml.jackson.databind.node.ObjectNode)
                c.path("replication").path("app02")).put("lastResult", "failed")); // replication broke meanwhile

        Cli rollback = Cli.run("rollback", id, "--journal", site.journal.toString());
        String all = rollback.out() + rollback.err();
        assertEquals(ExitCodes.FAILED, rollback.code(), all);
        assertTrue(all.contains("replication-resumed") && all.contains("has not resumed")
                && all.contains("Nothing was undone"), all);
        assertFalse(all.contains("Every change was undone"), all);
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"), "the failover itself is undone");
        assertEquals("active", site.export("app02"));
        Cli status = Cli.run("status", "--journal", site.journal.toString());
        assertTrue(status.out().contains("test-failover-active"), "the VM is not replication-ready yet:\n" + status.out());

        dev.runbook.primitive.StateFile.at(site.recoverySite.state()).change(c -> ((com.fasterxml.jackson.databind.node.ObjectNode)
                c.path("replication").path("app02")).put("lastResult", "succeeded")); // fixed
        Cli again = Cli.run("rollback", id, "--journal", site.journal.toString());
        ok(again);
        ok(run(site, "test-failover", "app02")); // replication runs again: a new failover passes its prechecks
    }

    /** A failover started where no ownership is recorded is still seen: the VM is not in replication mode. */
    @Test
    void aVmOutOfReplicationModeBlocksAFailover() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        dev.runbook.primitive.StateFile.at(site.recoverySite.state()).change(c ->
                ((com.fasterxml.jackson.databind.node.ObjectNode) c.path("replication").path("app02"))
                        .put("export", "stopped").put("controllerDefinition", "<domain/>"));
        Cli blocked = run(site, "test-failover", "app02");
        assertEquals(ExitCodes.PRECHECK_BLOCKED, blocked.code(), blocked.out() + blocked.err());
        assertTrue(blocked.out().contains("in-replication-mode") && blocked.out().contains("export stopped, "
                + "controller in failover mode"), blocked.out());
    }

    @Test
    void plannedFailoverSyncsThePoweredOffSourceThenCommitIsFinal() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Path source = site.source("app02", "root");
        Path replica = site.replica("app02", "root");
        DemoFixture.write(source, 0x21); // written after the last periodic sync
        assertFalse(DemoFixture.identical(source, replica));

        Cli failover = run(site, "planned-failover", "app02");
        ok(failover);
        String id = LifecycleCliTest.runId(failover);
        assertTrue(failover.out().contains("app02 is now awaiting-commit"), failover.out());
        assertEquals("shutoff", site.state(site.protectedSite, "app02"));
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        assertTrue(DemoFixture.identical(source, replica), "the final sync did not bring the replica up to date");
        assertTrue(site.definition(site.recoverySite, "ctrl-app02").contains("<source network='dr-prod-lan'/>"));

        ok(Cli.run("commit", id, "--journal", site.journal.toString()));
        assertTrue(QemuImg.snapshots(replica).isEmpty(), "commit leaves the rollback snapshot");
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        Cli refused = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(6, refused.code(), refused.err());
        assertTrue(refused.err().contains("commit is final"), refused.err());
    }

    @Test
    void plannedFailoverRolledBackPowersTheSourceBackOn() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Path replica = site.replica("web01", "data");
        String definition = site.definition(site.recoverySite, "ctrl-app02");
        Cli failover = run(site, "planned-failover", "app02");
        ok(failover);
        String id = LifecycleCliTest.runId(failover);
        assertEquals("shutoff", site.state(site.protectedSite, "app02"));

        ok(Cli.run("rollback", id, "--journal", site.journal.toString()));
        assertEquals("running", site.state(site.protectedSite, "app02"), "rollback did not power the source back on");
        assertTrue(Session.sameDefinition(definition, site.definition(site.recoverySite, "ctrl-app02")));
        assertEquals("active", site.export("app02"));
        assertTrue(QemuImg.snapshots(site.replica("app02", "root")).isEmpty());
        assertTrue(QemuImg.snapshots(replica).isEmpty(), "another VM's disks were touched");
    }

    @Test
    void liveFailoverLeavesTheLostSourceAloneAndCommits() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Cli failover = run(site, "live-failover", "app02");
        ok(failover);
        String id = LifecycleCliTest.runId(failover);
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        assertEquals("running", site.state(site.protectedSite, "app02"), "live failover must not touch the source");
        ok(Cli.run("commit", id, "--journal", site.journal.toString()));
        Cli status = Cli.run("status", "--journal", site.journal.toString());
        assertTrue(status.out().contains("committed"), status.out());
    }

    /** A planned failover of app02, committed; production then writes at the recovery site. */
    private String committed(DemoFixture site) throws Exception {
        Cli failover = run(site, "planned-failover", "app02");
        ok(failover);
        ok(Cli.run("commit", LifecycleCliTest.runId(failover), "--journal", site.journal.toString()));
        DemoFixture.write(site.replica("app02", "root"), 0x77);
        return LifecycleCliTest.runId(failover);
    }

    private String replication(DemoFixture site, String field) throws Exception {
        return Session.read(site.recoverySite, Session::state).path("replication").path("app02").path(field).asText();
    }

    private String lifecycle(DemoFixture site) {
        Cli status = Cli.run("status", "--journal", site.journal.toString(), "--output", "json");
        com.fasterxml.jackson.databind.JsonNode vms;
        try {
            vms = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.out()).path("lifecycle");
        } catch (java.io.IOException e) {
            throw new AssertionError(status.out(), e);
        }
        for (var vm : vms) {
            if (vm.path("vm").asText().equals("app02")) {
                return vm.path("state").asText();
            }
        }
        throw new AssertionError("no lifecycle for app02 in " + status.out());
    }

    @Test
    void failbackNeedsAReprotectFirst() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        committed(site);
        Cli failback = run(site, "failback", "app02");
        assertEquals(ExitCodes.REFUSED, failback.code(), failback.out() + failback.err());
        assertTrue(failback.err().contains("reprotect it first"), failback.err());
        assertEquals("shutoff", site.state(site.protectedSite, "app02"), "a refused failback changed the site");
    }

    @Test
    void reprotectReversesReplicationThenFailbackMovesHomeAndCommitReturnsToReplication() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Path source = site.source("app02", "root");
        Path replica = site.replica("app02", "root");
        String controllerBefore = site.definition(site.recoverySite, "ctrl-app02");
        committed(site);
        String production = site.definition(site.recoverySite, "ctrl-app02");
        assertFalse(Session.sameDefinition(controllerBefore, production));

        ok(run(site, "reprotect", "app02"));
        assertEquals("reprotected", lifecycle(site));
        assertEquals("reverse", replication(site, "direction"));
        assertEquals("succeeded", replication(site, "lastResult"));
        assertTrue(DemoFixture.identical(source, replica), "the first reverse sync did not copy production home");
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"), "reprotect must leave production running");
        assertEquals("shutoff", site.state(site.protectedSite, "app02"));

        DemoFixture.write(replica, 0x31); // production keeps writing until it stops
        Cli failback = run(site, "failback", "app02");
        ok(failback);
        assertTrue(DemoFixture.identical(source, replica), "the final reverse sync missed the last writes");
        assertEquals("running", site.state(site.protectedSite, "app02"), "the original VM is not running again");
        assertEquals("shutoff", site.state(site.recoverySite, "ctrl-app02"), "the recovered VM still runs");
        assertEquals("failback-awaiting-commit", lifecycle(site));

        DemoFixture.write(source, 0x42); // the original VM serves again
        ok(Cli.run("commit", LifecycleCliTest.runId(failback), "--journal", site.journal.toString()));
        assertEquals("replication-ready", lifecycle(site));
        assertEquals("forward", replication(site, "direction"));
        assertEquals("active", site.export("app02"));
        assertEquals("succeeded", replication(site, "lastResult"));
        assertTrue(DemoFixture.identical(source, replica), "the forward sync did not bring the replica up to date");
        assertTrue(Session.sameDefinition(controllerBefore, site.definition(site.recoverySite, "ctrl-app02")),
                "the controller is not back in its replication-mode definition");
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        Cli drill = run(site, "test-failover", "app02");
        assertEquals(0, drill.code(), "after a committed failback the VM must be protected again (prechecks pass): "
                + drill.out() + drill.err());
    }

    @Test
    void failbackRollbackKeepsProductionOnTheRecoveredVm() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        committed(site);
        ok(run(site, "reprotect", "app02"));
        Cli failback = run(site, "failback", "app02");
        ok(failback);
        ok(Cli.run("rollback", LifecycleCliTest.runId(failback), "--journal", site.journal.toString()));
        assertEquals("reprotected", lifecycle(site));
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"), "the recovered VM is not serving again");
        assertEquals("shutoff", site.state(site.protectedSite, "app02"), "the original VM still runs beside production");
        assertEquals("reverse", replication(site, "direction"));

        Cli again = run(site, "failback", "app02");
        ok(again);
        assertEquals("running", site.state(site.protectedSite, "app02"));
    }
}
