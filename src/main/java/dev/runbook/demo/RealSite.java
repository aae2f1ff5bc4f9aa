package dev.runbook.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.app.Shipped;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder.GuestAdapter;
import dev.runbook.primitive.libvirt.SiteRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A real recovery site on this machine: libvirtd's QEMU driver ({@code qemu:///system}, QEMU under TCG), a
 * protected VM whose disk holds a real Debian guest (made by {@code bin/lib/guest-image.sh}), the controller
 * VM holding its replica, and {@code runbook serve} as the recovery site's report endpoint.
 *
 * <p>The protected VM runs on older virtual hardware (an IDE disk, e1000 adapters; profile
 * {@code qemu-legacy}) than the recovery site's ({@code kvm-virtio}), so a failover adapts and stages. Its
 * captured configuration is a static IPv4 on each of two adapters, by MAC. The controller VM boots a disk
 * whose boot sector only halts, with the replica as its second disk, until a failover makes the replica
 * its boot disk.
 *
 * <p>Nothing the guests send reaches an address of this host: every network is an isolated libvirt bridge
 * without an address, and the production one is joined, through a veth pair, to a network namespace of
 * the site's own, where the report endpoint listens on the captured gateway's address. Both VMs have no
 * ACPI: a boot sector that halts could not hear a shutdown request, nor a guest caught mid-boot, so the
 * runbooks power them off at once.
 */
public final class RealSite implements AutoCloseable {

    public static final String URI = "qemu:///system";
    /** The protected VM's name in the inventory. */
    public static final String VM = "debian01";
    /** The captured adapters: MAC and static IPv4 of each; the first one carries the default route. */
    public static final List<String> MACS = List.of("52:54:00:7e:10:21", "52:54:00:7e:10:22");
    public static final List<String> ADDRESSES = List.of("10.77.0.21/24", "10.77.1.21/24");
    static final String GATEWAY = "10.77.0.1";
    static final int REPORT_PORT = 7070;
    /** The report endpoint, seen from the guest: in the site's namespace, on the gateway's address. */
    public static final String REPORT_URL = "http://" + GATEWAY + ":" + REPORT_PORT;
    private static final long CONTROLLER_BOOT_BYTES = 1L << 20;
    private static final String TOOLS = "apt-get install libvirt-daemon-system qemu-system-x86 libguestfs-tools iproute2";

    private final Path dir;
    private final String tag;
    private final SiteRef recovery;
    private final LibvirtSiteBuilder site;
    private final Consumer<String> progress;
    private final List<String> domains = new ArrayList<>();
    private final List<String> networks = new ArrayList<>();
    private boolean namespace;
    private Process server;

    private RealSite(Path dir, String tag, Consumer<String> progress) {
        this.dir = dir;
        this.tag = tag;
        this.recovery = new SiteRef("recovery", URI, dir.resolve("recovery.state.json"), Optional.empty());
        this.site = LibvirtSiteBuilder.of(recovery);
        this.progress = progress;
    }

    /** What this machine lacks for a real recovery, each with how to get it; empty when it has everything. */
    public static List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("root (libvirtd's QEMU driver, network namespaces and the image build need it)");
        }
        for (String tool : List.of("/usr/sbin/libvirtd", "/usr/sbin/virtlogd", "/usr/bin/qemu-system-x86_64",
                "/usr/bin/guestfish", "/usr/bin/ip")) {
            if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr", "")))) {
                missing.add(tool + " (" + TOOLS + ")");
            }
        }
        if (!Files.isRegularFile(Shipped.guestImageScript())) {
            missing.add(Shipped.guestImageScript() + " (the guest image script of the installation; set RUNBOOK_HOME)");
        }
        return missing;
    }

    /** Starts virtlogd and libvirtd when they are not running, and waits for libvirtd's socket. */
    public static void startDaemons() throws PrimitiveException, InterruptedException {
        try {
            Files.createDirectories(Path.of("/var/log/libvirt"));
            Files.createDirectories(Path.of("/run/libvirt"));
        } catch (IOException e) {
            throw new PrimitiveException("cannot make libvirt's folders: " + e.getMessage(), e);
        }
        for (String daemon : List.of("virtlogd", "libvirtd")) {
            if (run(List.of("pgrep", "-x", daemon)).exit() != 0) {
                check(List.of(daemon, "-d"));
            }
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(Path.of("/run/libvirt/libvirt-sock")) && System.nanoTime() < end) {
            Thread.sleep(100);
        }
    }

    /**
     * The real guest's disk image: {@code bin/lib/guest-image.sh} builds it on first use (a few minutes:
     * debootstrap from Debian's mirror) and keeps it in its cache, keyed by the script's hash.
     */
    public static Path guestImage(Consumer<String> progress) throws PrimitiveException, InterruptedException {
        Path script = Shipped.guestImageScript();
        List<String> command = List.of("bash", script.toString());
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new PrimitiveException("cannot start " + script + ": " + e.getMessage(), e);
        }
        try {
            Thread err = Thread.ofVirtual().start(() -> lines(p.getErrorStream(), progress));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int exit = p.waitFor();
            err.join();
            if (exit != 0 || out.isEmpty()) {
                throw new PrimitiveException(script + " failed (exit " + exit + ")");
            }
            return Path.of(out.substring(out.lastIndexOf('\n') + 1));
        } catch (IOException e) {
            throw new PrimitiveException(script + " failed: " + e.getMessage(), e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static void lines(InputStream in, Consumer<String> sink) {
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.lines().forEach(sink);
        } catch (IOException e) {
            sink.accept("(output lost: " + e.getMessage() + ")");
        }
    }

    /**
     * Makes the site in {@code dir} (made if missing) from the guest image: networks, the namespace and its
     * report endpoint, the disks (the replica in sync), both VMs running, and {@code inventory.yaml}. On
     * failure, whatever was made is taken down again.
     */
    public static RealSite create(Path dir, Path image, Consumer<String> progress)
            throws PrimitiveException, InterruptedException, IOException {
        Files.createDirectories(dir);
        // QEMU runs as libvirt-qemu: it must be able to reach the disks and logs in the folder.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        String tag = "rbr" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
                (byte) ThreadLocalRandom.current().nextInt()});
        RealSite made = new RealSite(dir.toAbsolutePath().normalize(), tag, progress);
        try {
            made.build(image);
            return made;
        } catch (PrimitiveException | InterruptedException | IOException | RuntimeException e) {
            made.close();
            throw e;
        }
    }

    private void build(Path image) throws PrimitiveException, InterruptedException, IOException {
        for (String role : List.of("src", "repl", "prod", "test")) {
            String name = tag + "-" + role;
            networks.add(name);
            site.createNetwork(name, "<network><name>" + name + "</name><bridge name='" + bridge(role)
                    + "' stp='off' delay='0'/></network>");
            noIpv6(bridge(role));
        }
        progress.accept("networks " + String.join(", ", networks) + ": isolated bridges, no host address");
        namespace();
        progress.accept("network namespace " + tag + ": " + GATEWAY + "/24 on the production bridge (" + bridge("prod")
                + "), through a veth pair");

        Files.copy(image, sourceDisk());
        LibvirtSiteBuilder.createDisk(replica(), LibvirtSiteBuilder.virtualSize(image));
        controllerBootDisk();
        Files.writeString(recovery.state(), "{\"replication\": {}}\n");
        Files.writeString(dir.resolve("protected.state.json"), "{}\n");
        site.protect(VM);
        site.replication().sync(VM, List.of(new ReplicationPort.Pair(sourceDisk(), replica())));
        progress.accept("disks: the source " + sourceDisk().getFileName() + " (a copy of " + image.getFileName()
                + "), its replica " + replica().getFileName() + " (in sync), the controller's boot disk");

        domains.add(sourceDomain());
        site.createDomain(sourceDomain(), sourceXml(), true);
        domains.add(controllerDomain());
        site.createDomain(controllerDomain(), controllerXml(), true);
        progress.accept("domains: " + sourceDomain() + " (the protected VM, booting) and " + controllerDomain()
                + " (the controller, holding the replica), TCG");
        Files.writeString(inventory(), inventoryYaml());
        startServer();
        progress.accept("runbook serve in namespace " + tag + " at " + REPORT_URL + " (the recovery site's reportUrl)");
    }

    private String bridge(String role) {
        return tag + role.charAt(0);
    }

    private static void noIpv6(String device) throws PrimitiveException {
        Path knob = Path.of("/proc/sys/net/ipv6/conf", device, "disable_ipv6");
        try {
            if (Files.exists(knob)) {
                Files.writeString(knob, "1\n");
            }
        } catch (IOException e) {
            throw new PrimitiveException("cannot turn IPv6 off on " + device + ": " + e.getMessage(), e);
        }
    }

    /** The namespace, its end of a veth pair with the gateway's address, the other end in the production bridge. */
    private void namespace() throws PrimitiveException, InterruptedException {
        check(List.of("ip", "netns", "add", tag));
        namespace = true;
        String host = tag + "h";
        String guest = tag + "g";
        check(List.of("ip", "link", "add", host, "type", "veth", "peer", "name", guest, "netns", tag));
        noIpv6(host);
        check(List.of("ip", "link", "set", host, "master", bridge("prod"), "up"));
        check(List.of("ip", "-n", tag, "link", "set", "lo", "up"));
        check(List.of("ip", "-n", tag, "address", "add", GATEWAY + "/24", "dev", guest));
        check(List.of("ip", "-n", tag, "link", "set", guest, "up"));
    }

    /** A disk whose boot sector halts the CPU: the controller boots it and waits, touching nothing. */
    private void controllerBootDisk() throws IOException, PrimitiveException, InterruptedException {
        Path raw = dir.resolve("ctrl-boot.raw");
        byte[] sector = new byte[512];
        byte[] code = {(byte) 0xfa, (byte) 0xf4, (byte) 0xeb, (byte) 0xfd}; // cli; hlt; jmp to the hlt
        System.arraycopy(code, 0, sector, 0, code.length);
        sector[510] = 0x55;
        sector[511] = (byte) 0xaa;
        try (var f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(CONTROLLER_BOOT_BYTES);
            f.write(sector);
        }
        LibvirtSiteBuilder.importRaw(raw, controllerBoot());
        Files.delete(raw);
    }

    private String sourceXml() {
        return domainXml(sourceDomain(), 1, 384, List.of(disk(sourceDisk(), "hda", "ide", false)), tag + "-src", "e1000",
                "source-console.log");
    }

    private String controllerXml() {
        return domainXml(controllerDomain(), 2, 128, List.of(disk(controllerBoot(), "vda", "virtio", true),
                disk(replica(), "vdb", "virtio", false)), tag + "-repl", "virtio", "recovered-console.log");
    }

    private static String disk(Path file, String target, String bus, boolean boot) {
        return "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + file
                + "'/><target dev='" + target + "' bus='" + bus + "'/>" + (boot ? "<boot order='1'/>" : "") + "</disk>";
    }

    private String domainXml(String name, int vcpus, int memoryMiB, List<String> disks, String network, String model,
                             String console) {
        StringBuilder xml = new StringBuilder("<domain type='qemu'><name>").append(name).append("</name>")
                .append("<memory unit='MiB'>").append(memoryMiB).append("</memory><vcpu>").append(vcpus)
                .append("</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>")
                .append(disks.stream().anyMatch(d -> d.contains("<boot ")) ? "" : "<boot dev='hd'/>")
                .append("</os><devices>");
        disks.forEach(xml::append);
        for (String mac : MACS) {
            xml.append("<interface type='network'><mac address='").append(mac).append("'/><source network='")
                    .append(network).append("'/><model type='").append(model).append("'/></interface>");
        }
        return xml.append("<serial type='file'><source path='").append(dir.resolve(console))
                .append("'/><target port='0'/></serial>")
                .append("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>")
                .append("<controller type='usb' model='none'/><memballoon model='none'/></devices></domain>")
                .toString();
    }

    private String inventoryYaml() {
        return """
                # yaml-language-server: $schema=../schemas/inventory-v1.schema.json
                apiVersion: runbooks/v1
                kind: Inventory
                metadata:
                  name: real-recovery
                  version: 1.0.0
                  description: A real Debian guest on qemu:///system (TCG), protected on older virtual hardware.
                spec:
                  sites:
                    protected: {uri: "%1$s", hardwareProfile: qemu-legacy, state: %2$s/protected.state.json}
                    recovery:
                      uri: "%1$s"
                      hardwareProfile: kvm-virtio
                      state: %2$s/recovery.state.json
                      reportUrl: "%3$s"
                  networks:
                    - {source: prod-lan, production: %4$s-prod, test: %4$s-test}
                  vms:
                    - name: %5$s
                      hostname: %5$s
                      sourceSite: protected
                      recoverySite: recovery
                      sourceDomain: %6$s
                      controllerDomain: %7$s
                      hardwareProfile: qemu-legacy
                      firmware: bios
                      compute: {vcpus: 1, memoryMiB: 384}
                      os: {family: linux, flavour: debian-12, networkStack: systemd-networkd}
                      disks:
                        - {name: root, source: %8$s, replica: %9$s, root: true, target: vda}
                      nics:
                        - name: ens2
                          mac: "%10$s"
                          network: prod-lan
                          ipv4: {address: %11$s, prefix: 24, gateway: %12$s, dns: [%12$s]}
                        - name: ens3
                          mac: "%13$s"
                          network: prod-lan
                          ipv4: {address: %14$s, prefix: 24}
                      remediation: {network: restore-static, reportDeadline: 8m}
                """.formatted(URI, dir, REPORT_URL, tag, VM, sourceDomain(), controllerDomain(), sourceDisk(), replica(),
                MACS.get(0), ADDRESSES.get(0).replace("/24", ""), GATEWAY, MACS.get(1), ADDRESSES.get(1).replace("/24", ""));
    }

    /** {@code runbook serve} in a JVM of its own, inside the namespace, on the gateway's address. */
    private void startServer() throws IOException, PrimitiveException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", tag));
        command.addAll(javaCommand());
        command.addAll(List.of("serve", "--bind", GATEWAY, "--port", Integer.toString(REPORT_PORT), "--journal",
                journal().toString(), "--token-file", dir.resolve("server.token").toString(), "--inventories", dir.toString()));
        Path log = dir.resolve("server.log");
        server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (Files.exists(log) && Files.readString(log).contains("serving http://")) {
                return;
            }
            if (!server.isAlive()) {
                break;
            }
            Thread.sleep(200);
        }
        throw new PrimitiveException("runbook serve did not start in namespace " + tag + ": "
                + (Files.exists(log) ? Files.readString(log).strip() : "no output"));
    }

    /** This program in a fresh JVM: the running JVM's java and class path. */
    private static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        int feature = Runtime.version().feature();
        if (feature >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        if (feature >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dpolyglot.engine.WarnInterpreterOnly=false",
                "-cp", System.getProperty("java.class.path"), "dev.runbook.cli.Main"));
        return cmd;
    }

    public Path dir() {
        return dir;
    }

    public Path inventory() {
        return dir.resolve("inventory.yaml");
    }

    public Path journal() {
        return dir.resolve("journal.db");
    }

    public String sourceDomain() {
        return tag + "-src";
    }

    public String controllerDomain() {
        return tag + "-ctrl";
    }

    public Path sourceDisk() {
        return dir.resolve("source.qcow2");
    }

    public Path replica() {
        return dir.resolve("replica.qcow2");
    }

    Path controllerBoot() {
        return dir.resolve("ctrl-boot.qcow2");
    }

    /** The serial console log of the recovered VM (the controller domain), from its latest start. */
    public Path recoveredConsole() {
        return dir.resolve("recovered-console.log");
    }

    public SiteRef recoverySite() {
        return recovery;
    }

    /** Making and inspecting the site's domains and disks. */
    public LibvirtSiteBuilder site() {
        return site;
    }

    /** The recovery site's record of the VM's remediation: status, source, actions. */
    public JsonNode remediation() {
        return StateFile.at(recovery.state()).read().path("remediation").path(VM);
    }

    /**
     * The recovered guest's adapters as its guest agent reports them, once the agent answers and the first
     * captured address is on an adapter (or {@code wait} has passed: then as they are).
     */
    public List<GuestAdapter> recoveredAdapters(Duration wait) throws PrimitiveException, InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        PrimitiveException last = null;
        List<GuestAdapter> seen = List.of();
        while (System.nanoTime() < end) {
            try {
                seen = site.guestAdapters(controllerDomain());
                last = null;
                if (seen.stream().anyMatch(a -> a.addresses().contains(ADDRESSES.get(0)))) {
                    return seen;
                }
            } catch (PrimitiveException e) {
                last = e; // the agent is not up yet
            }
            Thread.sleep(1000);
        }
        if (last != null) {
            throw last;
        }
        return seen;
    }

    /**
     * How long the recovered guest took to boot, as its own systemd says ("Startup finished in ..."), once
     * it has finished (the first-boot unit is part of the boot), waiting at most {@code wait}.
     */
    public String recoveredBootTime(Duration wait) throws PrimitiveException, InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return site.guestCommand(controllerDomain(), "/usr/bin/systemd-analyze").strip().split("\n")[0];
            } catch (PrimitiveException e) {
                if (System.nanoTime() > end) {
                    return "boot not finished after " + wait.toSeconds() + " s more: " + e.getMessage();
                }
            }
            Thread.sleep(2000);
        }
    }

    /** Stops the report endpoint and takes the domains, networks and namespace down; the disks go too. */
    @Override
    public void close() {
        if (server != null) {
            server.destroy();
            try {
                if (!server.waitFor(10, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            } catch (InterruptedException e) {
                server.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        for (String domain : domains) {
            quietly(() -> site.removeDomain(domain));
        }
        for (String network : networks) {
            quietly(() -> site.removeNetwork(network));
        }
        if (namespace) {
            quietly(() -> check(List.of("ip", "netns", "delete", tag)));
        }
        for (Path disk : List.of(sourceDisk(), replica(), controllerBoot())) {
            quietly(() -> {
                try {
                    Files.deleteIfExists(disk);
                } catch (IOException e) {
                    throw new PrimitiveException(e.getMessage(), e);
                }
            });
        }
    }

    /** A step of taking the site down. */
    @FunctionalInterface
    private interface Teardown {
        void run() throws PrimitiveException, InterruptedException;
    }

    private void quietly(Teardown step) {
        try {
            step.run();
        } catch (PrimitiveException e) {
            progress.accept("warning: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a host command printed, and its exit status. */
    private record Ran(int exit, String output) {
    }

    private static Ran run(List<String> command) throws PrimitiveException, InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Ran(p.waitFor(), out.strip());
        } catch (IOException e) {
            throw new PrimitiveException(String.join(" ", command) + " cannot be started: " + e.getMessage(), e);
        }
    }

    private static void check(List<String> command) throws PrimitiveException, InterruptedException {
        Ran ran = run(command);
        if (ran.exit() != 0) {
            throw new PrimitiveException(String.join(" ", command) + " failed (exit " + ran.exit() + "): " + ran.output());
        }
    }
}
