package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.demo.DemoFixture;
import dev.runbook.demo.DemoGuest;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.libvirt.GuestFs;
import dev.runbook.primitive.libvirt.QemuImg;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Guest remediation end to end on the demo site: adapted, rendered, staged into the replica root disk
 * with libguestfs, run (by the demo guest, in a network namespace) and reported back from the disk; and
 * the two ways it must not end in silence: no report by the deadline, and a Windows VM without drivers.
 * The report over HTTP with its one-time token is proven by a real guest in the real-QEMU tier
 * ({@code RealRecoveryTest}), and a spent token's refusal by {@code ServerTest}.
 */
@Tag("guestfs")
class DemoSiteRemediationTest {

    @TempDir
    Path tmp;

    private static void needsGuestfish() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/guestfish")),
                "SKIPPED LOUDLY: libguestfs-tools is not installed; bin/test installs it");
    }

    private Cli testFailover(DemoFixture site, String vm) {
        return Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", vm,
                "--journal", site.journal.toString());
    }

    /** A test failover of web01 while the demo guest boots it; the run must succeed. */
    private Cli failoverWithGuest(DemoFixture site, StringWriter guestLog) throws Exception {
        Cli failover;
        try (DemoGuest guest = DemoGuest.start(site.dir, site.recoverySite, new PrintWriter(guestLog))) {
            failover = testFailover(site, "web01");
        }
        assertEquals(0, failover.code(), failover.out() + failover.err() + guestLog);
        return failover;
    }

    @Test
    void aLinuxGuestIsAdaptedStagedBootedAndReportsSucceeded() throws Exception {
        needsGuestfish();
        assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED LOUDLY: the demo guest needs root to run the first-boot script in a network namespace");
        DemoFixture site = new DemoFixture(tmp);
        Path root = site.replica("web01", "root");
        Path before = DemoFixture.copy(root, tmp.resolve("before/web01-root.qcow2"));
        StringWriter guestLog = new StringWriter();
        Cli failover = failoverWithGuest(site, guestLog);

        JsonNode entry = StateFile.at(site.recoverySite.state()).read().at("/remediation/web01");
        assertEquals("succeeded", entry.path("status").asText(), entry.toString());
        assertEquals("disk", entry.path("source").asText());
        assertTrue(entry.path("actions").toString().contains("10.10.0.21/24 on eth0"), entry.toString());
        try (GuestFs fs = GuestFs.open(root, false)) {
            assertTrue(fs.read("/usr/local/sbin/runbook-firstboot").orElseThrow().startsWith("#!/bin/bash"));
            assertTrue(fs.read("/etc/netplan/90-runbook-525400100001.yaml").orElseThrow().contains("10.10.0.21/24"));
            assertTrue(fs.exists("/etc/dracut.conf.d/90-runbook-virtio.conf"), "adapted for virtio");
            assertEquals("RUNBOOK-DEMO-APPDATA web01\n", fs.read("/srv/app/data.bin").orElseThrow());
        }

        String id = LifecycleCliTest.runId(failover);
        Cli status = Cli.run("status", id, "--journal", site.journal.toString());
        assertTrue(status.out().contains("REMEDIATION\n  web01 succeeded\n"), status.out());
        assertTrue(status.out().matches("(?s).*network 52:54:00:10:00:01\\s+succeeded\\s+10.10.0.21/24 on eth0.*"), status.out());
        Cli rollback = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(0, rollback.code(), rollback.out() + rollback.err());
        assertTrue(DemoFixture.identical(before, root), "rollback did not take the staged files out of the disk");
        assertTrue(QemuImg.snapshots(root).isEmpty());
    }

    @Test
    void noReportByTheDeadlineIsFailedNeverSuccessAndDoesNotUndoTheFailover() throws Exception {
        needsGuestfish();
        DemoFixture site = new DemoFixture(tmp);
        Files.writeString(site.inventory, Files.readString(site.inventory).replace("reportDeadline: 3m", "reportDeadline: 20s"));
        Path root = site.replica("web01", "root");
        Path before = DemoFixture.copy(root, tmp.resolve("before/web01-root.qcow2"));

        Cli failover = testFailover(site, "web01"); // no guest boots: nothing reports
        String all = failover.out() + failover.err();
        assertEquals(ExitCodes.OK, failover.code(), "remediation does not undo a failover: " + all);
        JsonNode entry = StateFile.at(site.recoverySite.state()).read().at("/remediation/web01");
        assertEquals("failed", entry.path("status").asText(), entry.toString());
        assertEquals("no report", entry.path("reason").asText());
        String id = LifecycleCliTest.runId(failover);
        Cli status = Cli.run("status", id, "--journal", site.journal.toString());
        assertTrue(status.out().contains("REMEDIATION\n  web01 failed: no report by the deadline of 20s"), status.out());
        Cli rollback = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(0, rollback.code(), rollback.out() + rollback.err());
        assertTrue(DemoFixture.identical(before, root), "the rollback did not restore the root disk");
        assertEquals("running", site.state(site.recoverySite, "ctrl-web01"));
        assertEquals("active", site.export("web01"));
    }

    @Test
    void aWindowsVmWithoutVirtioDriversOnTheHostFailsAtAdaptationAndIsCompensated() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        var before = site.files();
        Cli failover = testFailover(site, "win03");
        String all = failover.out() + failover.err();
        assertEquals(ExitCodes.FAILED, failover.code(), all);
        assertTrue(all.contains("no virtio drivers for Windows on this host"), all);
        assertEquals("running", site.state(site.recoverySite, "ctrl-win03"));
        assertEquals("active", site.export("win03"));
        assertTrue(QemuImg.snapshots(site.replica("win03", "system")).isEmpty());
        assertEquals(before.keySet(), site.files().keySet());
    }

    /**
     * A Windows VM in a run: its drivers copied in, its two stages staged and its first boot registered as a
     * service in the SYSTEM hive (the demo's NTFS system disk is given one first); no Windows boots here, so
     * the run reaches its end with remediation failed, "no report", and its rollback leaves the disk as before. A child JVM, for the variables
     * that name the drivers and the service wrapper.
     */
    @Test
    void aWindowsVmIsStagedWithItsFirstBootServiceAndWithoutAGuestReportsFailedNoReport() throws Exception {
        needsGuestfish();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/hivexregedit")),
                "SKIPPED LOUDLY: libwin-hivex-perl (hivexregedit) is not installed; bin/test installs it");
        DemoFixture site = new DemoFixture(tmp);
        Files.writeString(site.inventory, Files.readString(site.inventory).replace("reportDeadline: 2m", "reportDeadline: 20s"));
        Path system = site.replica("win03", "system");
        Path hive = dev.runbook.primitive.libvirt.EmptyHive.system(tmp.resolve("SYSTEM"), 1);
        // The protected VM's disk holds the hive and replication carries it to the replica, as it would for a
        // real Windows VM: the replica then holds exactly this content before the failover, as rollback restores it.
        try (GuestFs fs = GuestFs.open(site.source("win03", "system"), true)) {
            fs.write("C:/Windows/System32/config/SYSTEM", Files.readAllBytes(hive), "0644");
        }
        site.port().sync("win03", site.pairs("win03"));
        Path before = DemoFixture.copy(system, tmp.resolve("before/win03-system.qcow2"));
        Path drivers = tmp.resolve("virtio-win");
        for (String f : new String[] {"viostor/2k22/amd64/viostor.inf", "viostor/2k22/amd64/viostor.sys",
                "NetKVM/2k22/amd64/netkvm.inf", "NetKVM/2k22/amd64/netkvm.sys"}) {
            Files.createDirectories(drivers.resolve(f).getParent());
            Files.writeString(drivers.resolve(f), "stand-in for " + f);
        }
        Path wrapper = Files.writeString(tmp.resolve("rhsrvany.exe"), "MZ stand-in for the service wrapper");

        java.util.List<String> cmd = new java.util.ArrayList<>(ChildJvm.command());
        cmd.addAll(java.util.List.of("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm",
                "win03", "--journal", site.journal.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile());
        pb.environment().put("RUNBOOK_VIRTIO_WIN", drivers.toString());
        pb.environment().put("RUNBOOK_FIRSTBOOT_SERVICE", wrapper.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(6, java.util.concurrent.TimeUnit.MINUTES), "the run did not end in 6 minutes");
        String all = Files.readString(tmp.resolve("run.log"));
        assertEquals(ExitCodes.OK, p.exitValue(), "remediation does not undo a failover: " + all);

        String id = LifecycleCliTest.runId(new Cli(0, all, ""));
        Cli status = Cli.run("status", id, "--journal", site.journal.toString(), "--output", "json");
        JsonNode steps = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.out()).path("steps");
        JsonNode stage = null;
        for (JsonNode s : steps) {
            if (s.path("id").asText().equals("stage-windows-remediation")) {
                stage = s;
            }
        }
        assertTrue(stage != null && stage.path("state").asText().equals("succeeded"), status.out());
        assertEquals("service RunbookFirstboot (rhsrvany.exe, ControlSet001) starts C:\\ProgramData\\Runbook\\firstboot.ps1"
                + " at boot", stage.path("result").path("firstboot").asText(), stage.toString());
        assertTrue(stage.path("result").toString().contains("C:/ProgramData/Runbook/postreboot.ps1"), stage.toString());
        assertTrue(status.out().contains("no report by the deadline of 20s"), status.out());
        Cli rollback = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(0, rollback.code(), rollback.out() + rollback.err());
        assertTrue(DemoFixture.identical(before, system), "the rollback did not restore the system disk");
        assertEquals("running", site.state(site.recoverySite, "ctrl-win03"));
    }
}
