package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Hashes;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.RemediationSpecs;
import dev.runbook.primitive.RemediationOutcome;
import dev.runbook.primitive.SiteBindings;
import dev.runbook.primitive.StateFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Guest remediation on a libvirt site, inside the replica root disk through libguestfs ({@link GuestFs}).
 *
 * <ul>
 *   <li>{@code remediation.adapt} prepares the disk for the recovery site's virtual hardware: for Linux, a
 *   driver list that puts the virtio drivers into the initramfs (dracut and initramfs-tools), then the
 *   initramfs rebuilt inside the disk where a kernel and a generator are there; for Windows, the virtio
 *   drivers copied from the host's virtio-win folder, for the first-boot stage to install.</li>
 *   <li>{@code remediation.stage} writes the plan's rendered files, enables the Linux first-boot unit,
 *   removes the status of any earlier run, and, when the recovery site names a progress endpoint, writes
 *   the run's one-time report token beside them (only its hash is kept on the host).</li>
 *   <li>{@code remediation.await-status} waits for the guest's status: a report through the endpoint
 *   (recorded in the site's state file) or the status file read back from the disk. No final status by
 *   the deadline is {@code failed} with the reason "no report", never success.</li>
 * </ul>
 *
 * The rollback snapshots taken before any of this cover its undo. Each VM's remediation status is kept in
 * the site's state file under {@code remediation}.
 */
final class Remediation extends LibvirtPrimitive {

    static final String LINUX_STATUS = "/var/lib/runbook/remediation-status.json";
    static final String WINDOWS_STATUS = "C:/ProgramData/Runbook/remediation-status.json";
    private static final Duration DISK_READ_EVERY = Duration.ofSeconds(20);
    /** Where the virtio-win drivers are on the host (the virtio-win package's layout), unless set. */
    static final String VIRTIO_WIN = "/usr/share/virtio-win";

    /** What one primitive of the family does. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(Remediation self, Call call) throws PrimitiveException, InterruptedException;
    }

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new Remediation(RemediationSpecs.ADAPT, Remediation::adapt),
                new Remediation(RemediationSpecs.STAGE, Remediation::stage),
                new Remediation(RemediationSpecs.AWAIT_STATUS, Remediation::awaitStatus));
    }

    private final Body body;

    private Remediation(PrimitiveSpec spec, Body body) {
        super(spec);
        this.body = body;
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call);
    }

    private static boolean windows(Call call) throws PrimitiveException {
        return CallSupport.vm(call).at("/os/family").asText().equals("windows");
    }

    // ---- adapt

    private JsonNode adapt(Call call) throws PrimitiveException, InterruptedException {
        CallSupport.vm(call);
        Path disk = Path.of(CallSupport.text(call, "disk"));
        String profile = CallSupport.text(call, "profile");
        // Checked before the disk is opened: without drivers to stage there is nothing to start.
        Drivers drivers = windows(call) ? windowsDrivers() : null;
        return mutate(call, NOTHING, (session, intent) -> {
            try (GuestFs fs = GuestFs.open(disk, true)) {
                ObjectNode out = object().put("disk", disk.toString()).put("profile", profile);
                return drivers != null ? adaptWindows(fs, drivers, out) : adaptLinux(fs, out);
            }
        });
    }

    private static final String VIRTIO_MODULES = "virtio_pci virtio_blk virtio_scsi virtio_net virtio_console";

    static JsonNode adaptLinux(GuestFs fs, ObjectNode out) throws PrimitiveException, InterruptedException {
        fs.write("/etc/dracut.conf.d/90-runbook-virtio.conf", ("# Written by runbook: the recovery site's virtio "
                + "drivers in the initramfs.\nadd_drivers+=\" " + VIRTIO_MODULES + " \"\n").getBytes(StandardCharsets.UTF_8), "0644");
        fs.write("/usr/share/initramfs-tools/modules.d/runbook-virtio", ("# Written by runbook: the recovery site's "
                + "virtio drivers in the initramfs.\n" + String.join("\n", VIRTIO_MODULES.split(" ")) + "\n")
                .getBytes(StandardCharsets.UTF_8), "0644");
        ArrayNode kernels = out.putArray("kernels");
        fs.list("/lib/modules").forEach(kernels::add);
        if (kernels.isEmpty()) {
            return out.put("initramfs", "no kernel on the disk; the driver lists apply when one is built");
        }
        String rebuild = fs.exists("/usr/bin/dracut") ? "/usr/bin/dracut --force --regenerate-all"
                : fs.exists("/usr/sbin/update-initramfs") ? "/usr/sbin/update-initramfs -u -k all" : null;
        if (rebuild == null) {
            throw CallSupport.fail("the disk has kernels %s but neither dracut nor update-initramfs to put the "
                    + "virtio drivers into their initramfs; adapt it by hand or use a compatible hardware profile", kernels);
        }
        GuestFs.Ran ran = fs.shell(rebuild);
        if (ran.exit() != 0) {
            throw CallSupport.fail("%s failed inside the disk (exit %d): %s", rebuild, ran.exit(), ran.tail());
        }
        return out.put("initramfs", "rebuilt with " + rebuild.substring(0, rebuild.indexOf(' ')));
    }

    /** The virtio-win drivers on this host: their folder and its .inf, .sys, .cat and .dll files. */
    private record Drivers(Path folder, List<Path> files) {
    }

    private static Drivers windowsDrivers() throws PrimitiveException {
        Path drivers = Path.of(System.getenv().getOrDefault("RUNBOOK_VIRTIO_WIN", VIRTIO_WIN));
        String fix = "install the virtio-win drivers there, or set RUNBOOK_VIRTIO_WIN to their folder";
        if (!Files.isDirectory(drivers)) {
            throw CallSupport.fail("no virtio drivers for Windows on this host: %s does not exist; %s", drivers, fix);
        }
        try (var files = Files.walk(drivers)) {
            // The first-boot stage installs those that match the guest (pnputil /subdirs).
            List<Path> found = files.filter(f -> f.getFileName().toString().toLowerCase().matches(".*\\.(inf|sys|cat|dll)"))
                    .sorted().toList();
            if (found.isEmpty()) {
                throw CallSupport.fail("no virtio drivers for Windows in %s; %s", drivers, fix);
            }
            return new Drivers(drivers, found);
        } catch (java.io.IOException e) {
            throw CallSupport.fail("the virtio drivers in %s cannot be read: %s", drivers, e.getMessage());
        }
    }

    private static JsonNode adaptWindows(GuestFs fs, Drivers drivers, ObjectNode out)
            throws PrimitiveException, InterruptedException {
        for (Path f : drivers.files()) {
            try {
                fs.write("C:/ProgramData/Runbook/drivers/" + drivers.folder().relativize(f), Files.readAllBytes(f), "0644");
            } catch (java.io.IOException e) {
                throw CallSupport.fail("cannot read driver file %s: %s", f, e.getMessage());
            }
        }
        return out.put("drivers", drivers.files().size() + " files from " + drivers.folder());
    }

    // ---- stage

    private JsonNode stage(Call call) throws PrimitiveException, InterruptedException {
        String vm = CallSupport.vm(call).path("name").asText();
        Path disk = Path.of(CallSupport.text(call, "disk"));
        JsonNode scripts = call.params().path("scripts");
        if (!scripts.isArray() || scripts.isEmpty()) {
            throw CallSupport.fail("%s has no rendered files to stage; run it from a plan", call.stepId());
        }
        boolean windows = windows(call);
        // Checked before anything is written: without a wrapper, nothing would start the first boot.
        Path wrapper = windows ? WindowsFirstboot.wrapper() : null;
        SiteRef site = recovery(call);
        Optional<String> endpoint = Optional.ofNullable(call.bindings().get(SiteBindings.RECOVERY))
                .map(s -> s.path("reportUrl").asText(null));
        return mutate(call, NOTHING, (session, intent) -> {
            ArrayNode staged = object().arrayNode();
            String tokenHash = null;
            String firstboot = null;
            try (GuestFs fs = GuestFs.open(disk, true)) {
                // Windows: checked before anything is written, as the wrapper was
                String hive = windows ? WindowsFirstboot.hive(fs) : null;
                String script = windows ? firstbootScript(call, scripts) : null;
                for (JsonNode f : scripts) {
                    fs.write(f.path("path").asText(), f.path("content").asText().getBytes(StandardCharsets.UTF_8),
                            f.path("mode").asText("0644"));
                    staged.addObject().put("path", f.path("path").asText()).put("sha256", f.path("sha256").asText());
                }
                String dir = windows ? "C:/ProgramData/Runbook/" : "/var/lib/runbook/";
                // A status left by an earlier failover must not be read as this one's (nor stop the unit).
                fs.remove(windows ? WINDOWS_STATUS : LINUX_STATUS);
                if (windows) {
                    firstboot = WindowsFirstboot.register(fs, hive, wrapper, script);
                } else {
                    for (JsonNode f : scripts) {
                        String path = f.path("path").asText();
                        if (path.startsWith("/etc/systemd/system/") && path.endsWith(".service")) {
                            String unit = path.substring(path.lastIndexOf('/') + 1);
                            fs.symlink(path, "/etc/systemd/system/multi-user.target.wants/" + unit);
                        }
                    }
                }
                if (endpoint.isPresent()) {
                    String token = Hashes.randomToken();
                    tokenHash = Hashes.sha256(token);
                    String url = endpoint.get().replaceAll("/+$", "") + "/api/runs/" + call.runId() + "/remediation/" + vm;
                    fs.write(dir + "report-url", (url + "\n").getBytes(StandardCharsets.UTF_8), "0600");
                    fs.write(dir + "report-header", ("Authorization: Bearer " + token + "\n").getBytes(StandardCharsets.UTF_8), "0600");
                }
            }
            ObjectNode state = session.state(vm);
            ObjectNode entry = StateFile.section(state, "remediation").putObject(vm);
            entry.put("status", "scheduled").put("run", call.runId()).put("disk", disk.toString())
                    .put("updated", Instant.now().toString());
            entry.set("staged", staged);
            entry.putArray("actions");
            if (tokenHash != null) {
                entry.put("tokenSha256", tokenHash);
            }
            session.writeState(vm, state);
            ObjectNode out = object().put("status", "scheduled");
            out.set("staged", staged);
            if (firstboot != null) {
                out.put("firstboot", firstboot);
            }
            return out.put("reportEndpoint", endpoint.isPresent());
        });
    }

    private static String firstbootScript(Call call, JsonNode scripts) throws PrimitiveException {
        List<String> paths = new java.util.ArrayList<>();
        scripts.forEach(f -> paths.add(f.path("path").asText()));
        return WindowsFirstboot.script(paths).orElseThrow(() -> CallSupport.fail(
                "%s stages no firstboot.ps1 for the Windows first boot to run", call.stepId()));
    }

    // ---- await-status

    private JsonNode awaitStatus(Call call) throws PrimitiveException, InterruptedException {
        String vm = CallSupport.vm(call).path("name").asText();
        String deadline = call.params().path("deadline").asText("10m");
        Duration limit = CallSupport.duration(call, "deadline", "10m");
        SiteRef site = recovery(call);
        Path disk = Path.of(CallSupport.vm(call).at("/rootDisk/replica").asText());
        String statusPath = windows(call) ? WINDOWS_STATUS : LINUX_STATUS;
        boolean endpoint = Optional.ofNullable(call.bindings().get("site")).map(s -> s.hasNonNull("reportUrl")).orElse(false);
        // A guest needs a while to boot: the first look at its disk waits one interval. Where the guest
        // reports to an endpoint, its disk is only a fallback, read from three quarters of the deadline on:
        // each read launches an appliance that would compete with the booting guest for the CPU.
        long[] nextRead = {System.nanoTime() + (endpoint ? limit.multipliedBy(3).dividedBy(4) : DISK_READ_EVERY).toNanos()};
        String[] last = {"scheduled"};
        Optional<JsonNode> report = CallSupport.await(limit, () -> {
            JsonNode entry = StateFile.at(site.state()).vm(vm).read().path("remediation").path(vm);
            if (entry.isMissingNode()) {
                return Optional.of(entry);
            }
            if (!call.runId().equals(entry.path("run").asText())) {
                return Optional.empty();
            }
            if (RemediationOutcome.FINAL.contains(entry.path("status").asText())) {
                return Optional.of(entry);
            }
            if (System.nanoTime() < nextRead[0]) {
                return Optional.empty();
            }
            nextRead[0] = System.nanoTime() + DISK_READ_EVERY.toNanos();
            Optional<JsonNode> fromDisk;
            try {
                fromDisk = readStatus(disk, statusPath);
            } catch (PrimitiveException e) {
                // The guest may hold the disk (a running QEMU locks it): read it again next time.
                last[0] = "disk not readable: " + e.getMessage();
                return Optional.empty();
            }
            if (fromDisk.isPresent()) {
                last[0] = fromDisk.get().path("status").asText("unknown");
                record(site, vm, call.runId(), fromDisk.get(), "disk");
            }
            // The guest's own report may have come in while the disk was read: the entry holds what counts.
            JsonNode now = StateFile.at(site.state()).vm(vm).read().path("remediation").path(vm);
            return RemediationOutcome.FINAL.contains(now.path("status").asText()) ? Optional.of(now) : Optional.empty();
        });
        if (report.isEmpty()) {
            String reason = "no report by the deadline of " + deadline + " (last status seen: " + last[0] + ")";
            record(site, vm, call.runId(), object().put("status", "failed").put("reason", "no report"), "deadline");
            return RemediationOutcome.noReport(call, vm, reason);
        }
        return RemediationOutcome.conclude(call, vm, report.get());
    }

    /** The guest's status file, read back from the disk; empty when the guest has not written one. */
    static Optional<JsonNode> readStatus(Path disk, String path) throws PrimitiveException, InterruptedException {
        Optional<String> text;
        try (GuestFs fs = GuestFs.open(disk, false)) {
            text = fs.read(path);
        }
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(StateFile.JSON.readTree(text.get().replace("\uFEFF", "")));
        } catch (java.io.IOException e) {
            // A file caught half-written: read it again next time.
            return Optional.empty();
        }
    }

    /**
     * Keeps what was seen of a VM's remediation in the site's state file, for status. A final status is
     * never replaced: a disk read that took a while does not overwrite the report the guest sent meanwhile.
     */
    private static void record(SiteRef site, String vm, String run, JsonNode status, String source) {
        StateFile.at(site.state()).vm(vm).change(state -> {
            ObjectNode entry = StateFile.section(StateFile.section(state, "remediation"), vm);
            if (run.equals(entry.path("run").asText(run)) && !RemediationOutcome.FINAL.contains(entry.path("status").asText())) {
                RemediationReports.record(entry, status, source);
            }
            return null;
        });
    }
}
