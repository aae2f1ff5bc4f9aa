package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.demo.DemoFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runbook replication status|sync} on a demo site: what the prechecks read, and their fix. */
class ReplicationCommandTest {

    @TempDir
    Path tmp;

    private static JsonNode status(DemoFixture site, String vm) throws Exception {
        Cli c = Cli.run("replication", "status", "-i", site.inventory.toString(), "--vm", vm, "--output", "json");
        assertEquals(0, c.code(), c.out() + c.err());
        return new ObjectMapper().readTree(c.out()).get(0);
    }

    private static Cli sync(DemoFixture site, String vm) {
        return Cli.run("replication", "sync", "-i", site.inventory.toString(), "--vm", vm, "--journal",
                site.journal.toString());
    }

    @Test
    void statusShowsEveryVmAndSyncRecoversAnInterruptedSync() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Cli all = Cli.run("replication", "status", "-i", site.inventory.toString());
        assertEquals(0, all.code(), all.err());
        for (String vm : new String[] {"web01", "app02", "win03"}) {
            assertTrue(all.out().matches("(?s).*\\n" + vm + " +forward +active +succeeded +none .*online.*"), all.out());
        }

        DemoFixture.write(site.source("app02", "root"), 0x2c); // the source writes, then a sync is cut off
        site.port().interruptedSync("app02", site.pairs("app02"));
        JsonNode cut = status(site, "app02");
        assertEquals("interrupted", cut.path("lastResult").asText());
        assertTrue(cut.path("checkpointPending").asBoolean());
        assertEquals("degraded", cut.path("health").asText());

        Cli synced = sync(site, "app02");
        assertEquals(0, synced.code(), synced.out() + synced.err());
        assertTrue(synced.out().contains("the pending checkpoint is recovered"), synced.out());
        JsonNode after = status(site, "app02");
        assertEquals("succeeded", after.path("lastResult").asText());
        assertFalse(after.path("checkpointPending").asBoolean());
        assertEquals("online", after.path("health").asText());
        assertTrue(DemoFixture.identical(site.source("app02", "root"), site.replica("app02", "root")));
    }

    @Test
    void syncIsRefusedWhileARunHoldsTheVmOrAFailoverHoldsItsReplicas() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Cli failover = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString());
        assertEquals(0, failover.code(), failover.out() + failover.err());
        String id = LifecycleCliTest.runId(failover);
        var before = site.files();
        Cli locked = sync(site, "app02");
        assertEquals(ExitCodes.REFUSED, locked.code(), locked.out() + locked.err());
        assertTrue(locked.err().contains("held by run " + id), locked.err());
        assertEquals(before, site.files(), "a refused sync changed the site");
        assertEquals(0, Cli.run("rollback", id, "--journal", site.journal.toString()).code());

        Cli planned = Cli.run("run", "runbooks/planned-failover.yaml", "-i", site.inventory.toString(), "--vm",
                "app02", "--journal", site.journal.toString());
        assertEquals(0, Cli.run("commit", LifecycleCliTest.runId(planned), "--journal", site.journal.toString()).code());
        Cli held = sync(site, "app02");
        assertEquals(ExitCodes.REFUSED, held.code(), held.out() + held.err());
        assertTrue(held.err().contains("export of app02 is stopped"), held.err());
    }

    @Test
    void afterAReprotectSyncCopiesProductionBackHome() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Cli planned = Cli.run("run", "runbooks/planned-failover.yaml", "-i", site.inventory.toString(), "--vm",
                "app02", "--journal", site.journal.toString());
        assertEquals(0, Cli.run("commit", LifecycleCliTest.runId(planned), "--journal", site.journal.toString()).code());
        Cli reprotect = Cli.run("run", "runbooks/reprotect.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString());
        assertEquals(0, reprotect.code(), reprotect.out() + reprotect.err());
        DemoFixture.write(site.replica("app02", "root"), 0x61); // production writes at the recovery site
        Cli synced = sync(site, "app02");
        assertEquals(0, synced.code(), synced.out() + synced.err());
        assertTrue(synced.out().contains("synced app02 reverse"), synced.out());
        assertTrue(DemoFixture.identical(site.source("app02", "root"), site.replica("app02", "root")));
        assertEquals("reverse", status(site, "app02").path("direction").asText());
    }

    @Test
    void unknownVmAndNonLibvirtSitesAreClearErrors() {
        DemoFixture site = new DemoFixture(tmp);
        Cli unknown = sync(site, "db09");
        assertEquals(ExitCodes.INVALID, unknown.code());
        assertTrue(unknown.err().contains("no protected VM 'db09'"), unknown.err());
        Cli sample = Cli.run("replication", "status", "-i", "inventories/sample.yaml");
        assertEquals(ExitCodes.INVALID, sample.code());
        assertTrue(sample.err().contains("has no state file"), sample.err());
    }
}
