package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.app.ExitCodes;
import dev.runbook.demo.RealSite;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code runbook demo --real}: a real recovery on this machine ({@link RealSite}), with the commands an
 * operator types: a planned failover of a real Debian guest, what the guest reported and what its agent
 * shows, then the rollback and its verification. The site is taken down at the end; its logs stay.
 */
final class RealDemo {

    private RealDemo() {
    }

    static int run(Path runbooks, Path dir, PrintWriter out, PrintWriter err) throws IOException, InterruptedException {
        Path planned = runbooks.resolve("planned-failover.yaml");
        if (!Files.isRegularFile(planned)) {
            err.println("runbook: " + planned + " not found; name the shipped runbooks' folder with --runbooks DIR");
            return ExitCodes.INVALID;
        }
        List<String> missing = RealSite.missing();
        if (!missing.isEmpty()) {
            err.println("runbook: demo --real needs " + String.join("; ", missing));
            return ExitCodes.INVALID;
        }
        Path where = dir != null ? dir : Path.of("/var/lib/libvirt/images/runbook-demo-real-"
                + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
                        (byte) ThreadLocalRandom.current().nextInt()}));
        long started = System.nanoTime();
        RealSite site;
        try {
            out.println("== 1. the guest's disk: Debian 12 by debootstrap, with a kernel, systemd and the QEMU guest agent");
            out.println("   (" + dev.runbook.app.Shipped.guestImageScript() + "; built on first use, a few minutes, then cached)");
            out.flush();
            RealSite.startDaemons();
            long t = System.nanoTime();
            Path image = RealSite.guestImage(line -> print(out, "   " + line));
            out.println("   " + image + " (" + seconds(t) + ")");
            out.println();
            out.println("== 2. a real site on " + RealSite.URI + " in " + where);
            out.flush();
            site = RealSite.create(where, image, line -> print(out, "   " + line));
        } catch (PrimitiveException e) {
            err.println("runbook: the real site cannot be built: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        try (site) {
            return demo(site, planned, out, err, started);
        } catch (PrimitiveException e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INTERNAL;
        } finally {
            out.println();
            out.println("The domains, networks, namespace and disks are taken down; the inventory, journal and console logs "
                    + "stay in " + where + ".");
        }
    }

    private static int demo(RealSite site, Path planned, PrintWriter out, PrintWriter err, long started)
            throws PrimitiveException, InterruptedException, IOException {
        String journal = site.journal().toString();
        LibvirtSiteBuilder libvirt = site.site();
        String definition = libvirt.definition(site.controllerDomain());
        out.println();
        out.println("== 3. planned failover of " + RealSite.VM + ": source off, final sync, replica adapted (initramfs rebuilt "
                + "inside it) and first boot staged, controller switched to the VM's compute and disks, guest booted");
        out.println("   (under TCG the guest takes a minute or two to boot and report)");
        long t = System.nanoTime();
        int code = DemoCommand.step(out, err, "run", planned.toString(), "-i", site.inventory().toString(), "--vm", RealSite.VM,
                "--journal", journal);
        if (code != ExitCodes.OK) {
            return code;
        }
        out.println("   failover to its decision in " + seconds(t));
        String runId = DemoCommand.lastRun(site.journal());

        out.println();
        out.println("== 4. the recovered guest");
        JsonNode report = site.remediation();
        out.println("   its first boot reported (to runbook serve, with its one-time token): " + report.path("status").asText());
        for (JsonNode action : report.path("actions")) {
            out.printf("     %-28s %-10s %s%n", action.path("action").asText(), action.path("outcome").asText(),
                    action.path("detail").asText());
        }
        out.println("   its adapters, as its QEMU guest agent reports them:");
        for (LibvirtSiteBuilder.GuestAdapter a : site.recoveredAdapters(Duration.ofMinutes(2))) {
            out.println("     " + a.name() + " " + a.mac() + " " + String.join(" ", a.addresses()));
        }
        out.println("   its own systemd: " + site.recoveredBootTime(Duration.ofSeconds(90)));
        DemoCommand.step(out, err, "status", runId, "--journal", journal);
        Path atFailover = site.dir().resolve("source-at-failover.qcow2");
        // The source stays off until the decision: its disk is what the rollback must give the replica back.
        Files.copy(site.sourceDisk(), atFailover, StandardCopyOption.REPLACE_EXISTING);

        out.println();
        out.println("== 5. rollback: the recorded compensations, in reverse order");
        code = DemoCommand.step(out, err, "rollback", runId, "--journal", journal);
        if (code != ExitCodes.OK) {
            return code;
        }
        out.println();
        out.println("== 6. verification");
        List<String> failures = new ArrayList<>();
        String compare = LibvirtSiteBuilder.compare(atFailover, site.replica());
        check(out, failures, compare.equals("Images are identical."),
                "qemu-img compare (the source as the failover powered it off) replica.qcow2: " + compare);
        check(out, failures, LibvirtSiteBuilder.snapshots(site.replica()).isEmpty(), "no rollback snapshot left");
        check(out, failures, LibvirtSiteBuilder.sameDefinition(definition, libvirt.definition(site.controllerDomain())),
                "the controller's definition as before the failover");
        check(out, failures, "running".equals(libvirt.power(site.controllerDomain())), "the controller runs again");
        check(out, failures, "running".equals(libvirt.power(site.sourceDomain())), "the source VM is powered on again");
        check(out, failures, "active".equals(StateFile.at(site.recoverySite().state()).read()
                .at("/replication/" + RealSite.VM + "/export").asText()), "its replication export is active again");
        Files.deleteIfExists(atFailover);
        if (!failures.isEmpty()) {
            err.println("runbook: the rollback did not restore " + RealSite.VM + ": " + String.join("; ", failures));
            return ExitCodes.INTERNAL;
        }
        out.println();
        out.println("A real guest recovered and rolled back in " + seconds(started) + ".");
        return ExitCodes.OK;
    }

    private static void check(PrintWriter out, List<String> failures, boolean ok, String text) {
        out.println("   " + (ok ? "ok   " : "FAIL ") + text);
        if (!ok) {
            failures.add(text);
        }
    }

    private static void print(PrintWriter out, String line) {
        out.println(line);
        out.flush();
    }

    private static String seconds(long since) {
        return String.format("%.0f s", (System.nanoTime() - since) / 1e9);
    }
}
