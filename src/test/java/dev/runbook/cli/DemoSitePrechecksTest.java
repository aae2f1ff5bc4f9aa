package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder;
import dev.runbook.primitive.libvirt.QemuImg;
import dev.runbook.primitive.libvirt.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Each precheck of the seeds blocks when its condition is broken on a demo site: exit code 3, the
 * precheck named with its fix, and nothing on the site changed.
 */
@Tag("site")
class DemoSitePrechecksTest {

    @TempDir
    Path tmp;

    private DemoFixture site;

    private DemoFixture site() {
        site = new DemoFixture(tmp);
        return site;
    }

    /** Runs {@code runbook} for app02 and checks that exactly the broken condition stops it. */
    private void blocks(String runbook, String precheck, String fix) throws Exception {
        blocks(runbook, "app02", precheck, fix);
    }

    private void blocks(String runbook, String vm, String precheck, String fix) throws Exception {
        Map<Path, String> before = site.files();
        Cli run = Cli.run("run", "runbooks/" + runbook + ".yaml", "-i", site.inventory.toString(), "--vm", vm,
                "--journal", site.journal.toString());
        String all = run.out() + run.err();
        assertEquals(3, run.code(), all);
        assertTrue(all.matches("(?s).*" + precheck + "\\s+(failed|blocked).*"), precheck + " did not block:\n" + all);
        assertTrue(all.contains(fix), "the fix text is missing:\n" + all);
        assertEquals(before, site.files(), "a blocked run changed the site");
    }

    @Test
    void controllerOffline() throws Exception {
        site();
        Session.with(site.recoverySite, s -> {
            s.destroy("ctrl-app02");
            return null;
        });
        blocks("test-failover", "controller-online", "Controller of app02 is offline; bring ctrl-app02 online");
    }

    @Test
    void replicaNotQcow2() throws Exception {
        site();
        Path replica = site.replica("app02", "root");
        Path raw = tmp.resolve("raw.img");
        QemuImg.check("convert", "-O", "raw", replica.toString(), raw.toString());
        Files.move(raw, replica, StandardCopyOption.REPLACE_EXISTING);
        blocks("test-failover", "replica-ready", "is raw, not qcow2");
    }

    @Test
    void replicaMissing() throws Exception {
        site();
        Files.delete(site.replica("app02", "root"));
        blocks("test-failover", "replica-ready", "does not exist");
    }

    @Test
    void lastSyncFailed() throws Exception {
        site();
        site.port().failedSync("app02", "transfer aborted");
        blocks("test-failover", "last-sync-succeeded", "Last sync of app02 ended failed");
    }

    @Test
    void checkpointPendingAfterAnInterruptedSync() throws Exception {
        site();
        site.port().interruptedSync("app02", site.pairs("app02"));
        blocks("test-failover", "no-pending-checkpoint", "recover it (resume the sync) before failover");
        site.port().sync("app02", site.pairs("app02")); // recovering the checkpoint clears the block
        Cli run = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString());
        assertEquals(0, run.code(), run.out() + run.err());
    }

    @Test
    void testNetworkInactive() throws Exception {
        site();
        Session.with(site.recoverySite, s -> {
            s.stopNetwork("dr-test-isolated");
            return null;
        });
        blocks("test-failover", "test-network-available", "Test networks [\"dr-test-isolated\"] are missing or inactive");
    }

    @Test
    void productionNetworkInactive() throws Exception {
        site();
        Session.with(site.recoverySite, s -> {
            s.stopNetwork("dr-prod-lan");
            return null;
        });
        blocks("planned-failover", "production-network-available", "are missing or inactive on recovery");
    }

    /**
     * A domain already on the recovery site with app02's MAC on the network app02 comes back to (a leftover
     * clone, shut off) would clash once both run: the failover is blocked naming it.
     */
    @Test
    void macUsedByAnotherDomainOnTheRecoverySite() throws Exception {
        site();
        String clone = LibvirtSiteBuilder.of(site.recoverySite).definition("ctrl-app02")
                .replaceAll("<name>ctrl-app02</name>", "<name>app02-clone</name>")
                .replaceAll("<uuid>[^<]*</uuid>", "").replace("network='dr-replication'", "network='dr-test-isolated'");
        LibvirtSiteBuilder.of(site.recoverySite).createDomain("app02-clone", clone, false);
        blocks("test-failover", "network-identity-free",
                "MAC 52:54:00:10:00:02 is used on network dr-test-isolated by domain app02-clone (shutoff)");
    }

    /** The test network's own address is web01's captured static address: restoring it would clash. */
    @Test
    void staticAddressHeldByTheDestinationNetwork() throws Exception {
        site();
        LibvirtSiteBuilder builder = LibvirtSiteBuilder.of(site.recoverySite);
        builder.removeNetwork("dr-test-isolated");
        builder.createNetwork("dr-test-isolated", "<network><name>dr-test-isolated</name><bridge name='rbtest9'/>"
                + "<ip address='10.10.0.21' netmask='255.255.255.0'><dhcp><host mac='52:54:00:99:00:01' "
                + "ip='10.10.0.31'/></dhcp></ip></network>");
        blocks("test-failover", "web01", "network-identity-free",
                "10.10.0.21 on network dr-test-isolated is the network's own address");
        Cli app02 = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString());
        assertEquals(0, app02.code(), app02.out() + app02.err()); // DHCP on the same network: nothing to clash
    }

    @Test
    void protectedSiteUnreachable() throws Exception {
        site();
        Path node = site.protectedSite.nodeFile().orElseThrow();
        Files.move(node, node.resolveSibling("protected.xml.lost"));
        blocks("planned-failover", "source-reachable", "use live-failover if the site is lost");
    }

    /**
     * An operation lock held by another run: admission refuses the second operation at once, naming the
     * holder (exit 6), before its prechecks run; {@code no-other-operation} reports the same holders to
     * runbooks whose own locks differ, such as rollback's.
     */
    @Test
    void anotherOperationHoldsTheLock() throws Exception {
        site();
        Cli first = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString());
        assertEquals(0, first.code(), first.out() + first.err());
        String holder = LifecycleCliTest.runId(first);
        Map<Path, String> before = site.files();
        Cli second = Cli.run("run", "runbooks/planned-failover.yaml", "-i", site.inventory.toString(), "--vm",
                "app02", "--journal", site.journal.toString());
        assertEquals(6, second.code(), second.out() + second.err());
        assertTrue(second.err().contains(holder), second.err());
        assertEquals(before, site.files());
    }

    /** A planned failover of app02, committed: production runs at the recovery site. */
    private void committed() {
        Cli failover = Cli.run("run", "runbooks/planned-failover.yaml", "-i", site.inventory.toString(), "--vm",
                "app02", "--journal", site.journal.toString());
        assertEquals(0, failover.code(), failover.out() + failover.err());
        Cli commit = Cli.run("commit", LifecycleCliTest.runId(failover), "--journal", site.journal.toString());
        assertEquals(0, commit.code(), commit.out() + commit.err());
    }

    @Test
    void originalVmRunningBesideProductionBlocksReprotect() throws Exception {
        site();
        committed();
        Session.with(site.protectedSite, s -> {
            s.start("app02");
            return null;
        });
        blocks("reprotect", "original-vm-shut-off", "it must exist and stay shut off while production runs");
    }

    @Test
    void failedReverseSyncBlocksFailback() throws Exception {
        site();
        committed();
        Cli reprotect = Cli.run("run", "runbooks/reprotect.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString());
        assertEquals(0, reprotect.code(), reprotect.out() + reprotect.err());
        site.port().failedSync("app02", "transfer aborted");
        blocks("failback", "reverse-replication-in-sync", "app02 replicates reverse and its last sync is failed");
    }

    /**
     * While production ran at the recovery site, a domain with app02's MAC was defined on the protected site's
     * network app02 returns to: the failback is blocked naming it, before the recovered VM is stopped.
     */
    @Test
    void macUsedByAnotherDomainOnTheProtectedSiteBlocksFailback() throws Exception {
        site();
        committed();
        Cli reprotect = Cli.run("run", "runbooks/reprotect.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString());
        assertEquals(0, reprotect.code(), reprotect.out() + reprotect.err());
        LibvirtSiteBuilder protectedSite = LibvirtSiteBuilder.of(site.protectedSite);
        String clone = protectedSite.definition("app02").replaceAll("<name>app02</name>", "<name>app02-clone</name>")
                .replaceAll("<uuid>[^<]*</uuid>", "");
        protectedSite.createDomain("app02-clone", clone, false);
        blocks("failback", "network-identity-free",
                "MAC 52:54:00:10:00:02 is used on network prod-lan by domain app02-clone (shutoff)");
    }
}
