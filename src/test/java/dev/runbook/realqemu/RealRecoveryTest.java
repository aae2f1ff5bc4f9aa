package dev.runbook.realqemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.app.ExitCodes;
import dev.runbook.cli.Cli;
import dev.runbook.demo.RealSite;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder.GuestAdapter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real recovery, end to end: a real Debian guest (the disk {@code bin/lib/guest-image.sh} builds) is
 * the protected VM on {@code qemu:///system} (libvirtd and QEMU under TCG), and the shipped planned-failover
 * runbook, through the CLI, promotes its replica: the guest boots from the adapted replica, its first boot
 * restores the captured static IPv4 on each adapter matched by MAC and reports to {@code runbook serve}
 * with its one-time token, and the guest agent shows the addresses. Rollback leaves the replica identical
 * to the source as the failover powered it off, the controller as it was and the source running. A second
 * failover of the same VM then runs from a clean slate, for a guest that changed one adapter's MAC itself
 * after the capture: it reports {@code partial}, naming the adapter it could not find, the run reaches its
 * decision with that status, and its commit is refused without the operator's acceptance; its rollback is
 * checked the same way. Without root, libvirtd or QEMU it is skipped, and says so loudly.
 */
@Tag("real-qemu")
class RealRecoveryTest {

    private static final Pattern RUN_ID = Pattern.compile("run (\\d{8}-\\d{6}-[0-9a-f]{4}) ");
    /** The MAC the guest gives its second adapter in the last failover, instead of the captured one. */
    private static final String MOVED_MAC = "52:54:00:7e:10:99";

    private final long started = System.nanoTime();
    private Path dir;
    private RealSite site;
    private String controllerDefinition;

    @Test
    void aRealGuestBootsFromThePromotedReplicaRestoresItsAddressesAndReportsItsRemediation() throws Exception {
        requireRealQemu();
        RealSite.startDaemons();
        long t = System.nanoTime();
        Path image = RealSite.guestImage(line -> log("  " + line));
        log("guest image " + image + " ready after " + since(t));
        dir = Path.of("/var/lib/libvirt/images/runbook-recovery-test-"
                + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt()}));
        t = System.nanoTime();
        site = RealSite.create(dir, image, line -> log("  " + line));
        log("site made in " + dir + " after " + since(t));
        controllerDefinition = site.site().definition(site.controllerDomain());

        String first = failover("failover", "succeeded");
        rollBack(first);

        // The second failover of the same VM finds nothing of the first left behind (its prechecks, lock,
        // snapshot, staged status and token are its own), and is the case that must not end in silence.
        log("== the guest changes its second adapter's MAC itself (a systemd .link file), after the capture");
        t = System.nanoTime();
        site.site().powerOff(site.sourceDomain());
        try (LibvirtSiteBuilder.GuestDisk disk = LibvirtSiteBuilder.openDisk(site.sourceDisk())) {
            disk.write("/etc/systemd/network/10-moved.link", ("[Match]\nPermanentMACAddress=" + RealSite.MACS.get(1)
                    + "\n\n[Link]\nMACAddress=" + MOVED_MAC + "\n").getBytes(StandardCharsets.UTF_8), "0644");
        }
        site.site().start(site.sourceDomain());
        log("  written into the source disk, source running again, after " + since(t));
        String second = failover("second failover, of a guest whose captured MAC matches no adapter", "partial");
        JsonNode actions = site.remediation().path("actions");
        assertTrue(actions.toString().contains("no adapter has MAC " + RealSite.MACS.get(1)), actions.toString());
        Cli commit = Cli.run("commit", second, "--journal", site.journal().toString());
        log("$ runbook commit " + second + "  (exit " + commit.code() + ")\n" + commit.out() + commit.err());
        assertEquals(ExitCodes.REFUSED, commit.code(), commit.out() + commit.err());
        assertTrue((commit.out() + commit.err()).contains("partial"), commit.out() + commit.err());
        rollBack(second);
        log("real recovery test done after " + since(started));
    }

    /** A planned failover through the CLI, to its decision; the guest's report and addresses checked. */
    private String failover(String what, String remediation) throws Exception {
        log("== " + what + ": runbook run runbooks/planned-failover.yaml --vm " + RealSite.VM);
        long t = System.nanoTime();
        Cli run = Cli.run("run", "runbooks/planned-failover.yaml", "-i", site.inventory().toString(), "--vm", RealSite.VM,
                "--journal", site.journal().toString(), "--progress", "lines");
        log(run.out() + run.err());
        assertEquals(ExitCodes.OK, run.code(), run.out() + run.err());
        String id = runId(run);
        log("  " + what + " reached its decision after " + since(t));

        JsonNode report = site.remediation();
        log("  the guest's report, as recorded at the recovery site: " + report.toPrettyString().replace("\n", "\n  "));
        assertEquals(remediation, report.path("status").asText(), report.toString());
        assertEquals("endpoint", report.path("source").asText(), "the guest did not report over HTTP: " + report);
        assertEquals(id, report.path("run").asText(), report.toString());
        assertTrue(report.path("tokenSha256").isMissingNode(), "the one-time token was not spent: " + report);
        Cli status = Cli.run("status", id, "--journal", site.journal().toString());
        log("$ runbook status " + id + "\n" + status.out());
        assertTrue(status.out().contains("REMEDIATION\n  " + RealSite.VM + " " + remediation), status.out());
        assertTrue(status.out().contains("awaiting-commit"), status.out());

        List<GuestAdapter> adapters = site.recoveredAdapters(Duration.ofMinutes(2));
        log("  the recovered guest's adapters, from its QEMU guest agent:");
        adapters.forEach(a -> log("    " + a.name() + " " + a.mac() + " " + a.addresses()));
        assertTrue(adapters.stream().anyMatch(a -> a.mac().equals(RealSite.MACS.get(0))
                && a.addresses().contains(RealSite.ADDRESSES.get(0))), adapters.toString());
        boolean second = adapters.stream().anyMatch(a -> a.mac().equals(RealSite.MACS.get(1))
                && a.addresses().contains(RealSite.ADDRESSES.get(1)));
        assertEquals("succeeded".equals(remediation), second, adapters.toString());
        log("  the guest's own boot time: " + site.recoveredBootTime(Duration.ofSeconds(90)));
        String console = new String(Files.readAllBytes(site.recoveredConsole()), StandardCharsets.UTF_8);
        log("  its serial console, the first boot's lines:");
        console.lines().map(l -> l.replaceAll("\u001B\\[[0-9;]*m", "").strip())
                .filter(l -> l.contains("runbook-firstboot") || l.startsWith("Welcome to")).forEach(l -> log("    " + l));

        // The source stays off until a decision: its disk is what the final sync made the replica, which the
        // rollback must give back; meanwhile adaptation, staging and the boot have changed the replica.
        Files.copy(site.sourceDisk(), dir.resolve("source-at-failover.qcow2"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("shutoff", site.site().power(site.sourceDomain()));
        assertFalse(LibvirtSiteBuilder.identical(dir.resolve("source-at-failover.qcow2"), site.replica()),
                "the failover did not change the replica");
        return id;
    }

    /** Rolls the failover back through the CLI and checks what it must restore. */
    private void rollBack(String id) throws Exception {
        long t = System.nanoTime();
        Cli rollback = Cli.run("rollback", id, "--journal", site.journal().toString());
        log("$ runbook rollback " + id + "\n" + rollback.out() + rollback.err());
        assertEquals(ExitCodes.OK, rollback.code(), rollback.out() + rollback.err());
        String compare = LibvirtSiteBuilder.compare(dir.resolve("source-at-failover.qcow2"), site.replica());
        log("$ qemu-img compare source-at-failover.qcow2 replica.qcow2\n" + compare);
        assertEquals("Images are identical.", compare);
        assertTrue(LibvirtSiteBuilder.snapshots(site.replica()).isEmpty(), "a rollback snapshot was left");
        String now = site.site().definition(site.controllerDomain());
        assertTrue(LibvirtSiteBuilder.sameDefinition(controllerDefinition, now),
                LibvirtSiteBuilder.difference(controllerDefinition, now));
        assertEquals("running", site.site().power(site.controllerDomain()), "the controller is not running again");
        assertEquals("running", site.site().power(site.sourceDomain()), "the source VM is not powered on again");
        assertEquals("active", StateFile.at(site.recoverySite().state()).read().at("/replication/" + RealSite.VM + "/export")
                .asText());
        log("  rolled back and checked after " + since(t) + ": replica identical, controller as it was and running, "
                + "source running, export active");
    }

    private static String runId(Cli c) {
        Matcher m = RUN_ID.matcher(c.out() + c.err());
        assertTrue(m.find(), c.out() + c.err());
        return m.group(1);
    }

    private static void requireRealQemu() {
        List<String> missing = RealSite.missing();
        if (!missing.isEmpty()) {
            String why = "REAL RECOVERY TEST SKIPPED: no real guest was booted, because this machine lacks "
                    + String.join(", ", missing) + "; run bin/test as root so that it installs them";
            System.err.println("\n" + "!".repeat(100) + "\n" + why + "\n" + "!".repeat(100) + "\n");
            Assumptions.abort(why);
        }
    }

    private void log(String line) {
        System.out.printf("[real-recovery %6.1fs] %s%n", (System.nanoTime() - started) / 1e9, line.stripTrailing());
    }

    private static String since(long t) {
        return String.format("%.0f s", (System.nanoTime() - t) / 1e9);
    }

    @AfterEach
    void takeDown() throws Exception {
        if (site != null) {
            site.close();
        }
        if (dir != null && Files.exists(dir)) {
            // The consoles, the server's log, the state files and the inventory, for whoever reads a failure.
            Path kept = Files.createDirectories(Path.of("target/real-recovery"));
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.toString().matches(".*\\.(log|json|yaml)$")).toList()) {
                    Files.copy(f, kept.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
