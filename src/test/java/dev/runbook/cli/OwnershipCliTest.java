package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.SiteAdapters;
import dev.runbook.exec.Admission;
import dev.runbook.exec.Entry;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.exec.VmLocks;
import dev.runbook.demo.DemoFixture;
import dev.runbook.model.Inventory;
import dev.runbook.plan.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VM's ownership at its site across journals and operations outside runs: a lost journal's VM stays
 * owned until the operator unlocks it, a sync holds the VM for its duration, and a deleted site state stops
 * what would change the site, with messages that agree with the exit code.
 */
@Tag("site")
class OwnershipCliTest {

    @TempDir
    Path tmp;

    private static Cli run(DemoFixture site, String runbook, Path journal) {
        return Cli.run("run", "runbooks/" + runbook + ".yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", journal.toString());
    }

    private static String all(Cli c) {
        return c.out() + c.err();
    }

    private static VmLocks locks(DemoFixture site, SqliteJournal journal) throws Exception {
        try (Pipeline pipeline = new Pipeline()) {
            Inventory inventory = pipeline.inventory(site.inventory).value().orElseThrow();
            Inventory.Vm vm = inventory.vms().stream().filter(v -> v.name().equals("app02")).findFirst().orElseThrow();
            return new VmLocks(journal, SiteAdapters.ownership(inventory, vm));
        }
    }

    @Test
    void aLostJournalsVmStaysOwnedUntilTheOperatorUnlocksItJournaled() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Path lost = tmp.resolve("lost/journal.db");
        Path other = tmp.resolve("other/journal.db");
        Cli first = run(site, "test-failover", lost);
        assertEquals(0, first.code(), all(first));
        String id = LifecycleCliTest.runId(first);
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(lost + suffix));
        }

        Cli refused = run(site, "test-failover", other);
        assertEquals(ExitCodes.REFUSED, refused.code(), all(refused));
        assertTrue(all(refused).contains("owned at its site by run " + id) && all(refused).contains("runbook unlock app02"),
                all(refused));

        Cli noReason = Cli.run("unlock", "app02", "-i", site.inventory.toString(), "--journal", other.toString());
        assertEquals(ExitCodes.INVALID, noReason.code(), all(noReason));
        Cli unlock = Cli.run("unlock", "app02", "-i", site.inventory.toString(), "--journal", other.toString(),
                "--reason", "journal of run " + id + " lost with its host", "--by", "ops");
        assertEquals(0, unlock.code(), all(unlock));
        assertTrue(unlock.out().contains("the site's record of run " + id), unlock.out());
        assertTrue(site.recoveryState().path("owners").isMissingNode());
        try (SqliteJournal journal = SqliteJournal.open(other)) {
            Entry note = journal.entriesAfter(0, 100).stream().filter(e -> e.state().equals("unlocked")).findFirst()
                    .orElseThrow();
            assertEquals("ops", note.data().path("by").asText());
            assertTrue(note.data().path("reason").asText().contains("lost with its host"));
            assertEquals(id, note.data().path("siteHolder").asText());
        }

        // The VM is free, but the site is still in the lost run's failover: the prechecks see it.
        Cli blocked = run(site, "test-failover", other);
        assertEquals(ExitCodes.PRECHECK_BLOCKED, blocked.code(), all(blocked));
        assertTrue(blocked.out().contains("in-replication-mode"), blocked.out());
    }

    @Test
    void aSyncHoldsTheVmForItsDurationAndReleasesItOnEveryPath() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            List<Admission.Refusal> refused = new ArrayList<>();
            try (VmLocks.Held sync = locks(site, journal).hold("app02", "sync", "ops", refused).orElseThrow()) {
                Cli here = run(site, "test-failover", site.journal);
                assertEquals(ExitCodes.REFUSED, here.code(), all(here));
                assertTrue(all(here).contains("held by run " + sync.holder()), all(here));
                Cli elsewhere = run(site, "test-failover", tmp.resolve("elsewhere/journal.db"));
                assertEquals(ExitCodes.REFUSED, elsewhere.code(), all(elsewhere));
                assertTrue(all(elsewhere).contains("owned at its site by run " + sync.holder()), all(elsewhere));
                Cli secondSync = Cli.run("replication", "sync", "-i", site.inventory.toString(), "--vm", "app02",
                        "--journal", site.journal.toString());
                assertEquals(ExitCodes.REFUSED, secondSync.code(), all(secondSync));
            }
            assertEquals(List.of(), journal.locks());
        }
        assertTrue(site.recoveryState().path("owners").isMissingNode());

        Files.delete(site.source("app02", "root")); // the sync fails half-way
        Cli failed = Cli.run("replication", "sync", "-i", site.inventory.toString(), "--vm", "app02", "--journal",
                site.journal.toString());
        assertEquals(ExitCodes.FAILED, failed.code(), all(failed));
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            assertEquals(List.of(), journal.locks(), "a failed sync kept the VM's lock");
        }
        assertTrue(site.recoveryState().path("owners").isMissingNode(), "a failed sync kept the site's record");
    }

    @Test
    void aDeletedSiteStateStopsTheRollbackWithAMessageThatAgreesWithItsExitCode() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Cli failover = run(site, "test-failover", site.journal);
        assertEquals(0, failover.code(), all(failover));
        String id = LifecycleCliTest.runId(failover);
        Path state = site.recoverySite.state();
        byte[] kept = Files.readAllBytes(state);
        Files.delete(state);

        Cli rollback = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(ExitCodes.REFUSED, rollback.code(), all(rollback));
        assertTrue(all(rollback).contains(state + " of site 'recovery' does not exist"), all(rollback));
        assertFalse(all(rollback).contains("Every change was undone"), all(rollback));

        Files.write(state, kept); // restored: the rollback goes through
        Cli again = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(0, again.code(), all(again));
        assertEquals("active", site.export("app02"));
    }
}
