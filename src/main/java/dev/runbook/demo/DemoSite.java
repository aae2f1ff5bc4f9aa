package dev.runbook.demo;

import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder;
import dev.runbook.primitive.libvirt.SiteRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The embedded demo site: a protected and a recovery site on libvirt's test driver (node files in the
 * folder), three protected VMs with their controller VMs, production and isolated test networks, qcow2
 * source disks with real content, replicas brought in sync by the replication port, and the inventory
 * that describes it all.
 */
public final class DemoSite {

    /** Size of every demo disk. */
    static final long DISK_BYTES = 16L << 20;

    /** A protected VM of the demo. */
    record Vm(String name, String sourceNetwork, String mac, String firmware, int vcpus, int memoryMiB,
              String bus, List<String> disks) {

        boolean windows() {
            return name.startsWith("win");
        }

        String osRelease() {
            return name.equals("app02") || name.equals("db01")
                    ? "NAME=\"Red Hat Enterprise Linux\"\nID=rhel\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4\"\n"
                    : "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04 LTS\"\n";
        }
    }

    static final List<Vm> VMS = List.of(
            new Vm("web01", "prod-lan", "52:54:00:10:00:01", "bios", 2, 4096, "virtio", List.of("root", "data")),
            new Vm("app02", "prod-lan", "52:54:00:10:00:02", "uefi", 4, 8192, "virtio", List.of("root")),
            new Vm("win03", "prod-dmz", "52:54:00:10:00:03", "uefi", 4, 16384, "sata", List.of("system", "logs")),
            new Vm("db01", "prod-lan", "52:54:00:10:00:04", "uefi", 2, 4096, "virtio", List.of("root")));

    static final List<String> SOURCE_NETWORKS = List.of("prod-lan", "prod-dmz");
    static final List<String> RECOVERY_NETWORKS =
            List.of("dr-prod-lan", "dr-prod-dmz", "dr-test-isolated", "dr-replication");

    /** The smallest site: the four named VMs. */
    public static final int NAMED = 4;

    /** Size of a generated VM's disks: a site of a thousand VMs stays small on disk. */
    static final long SMALL_DISK_BYTES = 1L << 20;

    private final Path dir;
    private final List<Vm> generated;

    /** The names of the demo's protected VMs. */
    public static List<String> vmNames() {
        return VMS.stream().map(Vm::name).toList();
    }

    private DemoSite(Path dir, int vms) {
        this.dir = dir.toAbsolutePath().normalize();
        List<Vm> more = new ArrayList<>();
        for (int i = NAMED + 1; i <= vms; i++) {
            more.add(new Vm(generatedName(i), "prod-lan", String.format("52:54:01:%02x:%02x:01", i >> 8 & 0xff, i & 0xff),
                    "bios", 1, 1024, "virtio", List.of("root")));
        }
        this.generated = List.copyOf(more);
    }

    /** The name of the {@code i}th VM of a site larger than the named four: s0005, s0006, ... */
    static String generatedName(int i) {
        return String.format("s%04d", i);
    }

    /** The tier label of a generated VM: a tenth databases, three tenths application servers, the rest web. */
    static String generatedTier(int i) {
        int tenth = i % 10;
        return tenth == 0 ? "db" : tenth <= 3 ? "app" : "web";
    }

    /** What {@link #init} made. */
    public record Made(Path dir, Path inventory, SiteRef protectedSite, SiteRef recoverySite, List<String> lines) {
    }

    /**
     * Builds a site in {@code dir}, which must be missing or empty.
     *
     * @throws IllegalArgumentException when {@code dir} holds files
     */
    public static Made init(Path dir) throws IOException, PrimitiveException, InterruptedException {
        return init(dir, NAMED);
    }

    /**
     * Builds a site of {@code vms} protected VMs in {@code dir}: the four named ones, then generated Linux VMs on
     * the recovery site's hardware (no guest remediation to stage) with DHCP adapters and labels {@code app: site}
     * and a tier, and {@code DIR/recovery-plan.yaml}, a three-tier test failover plan of them by label.
     *
     * @throws IllegalArgumentException when {@code dir} holds files or {@code vms} is out of range
     */
    public static Made init(Path dir, int vms) throws IOException, PrimitiveException, InterruptedException {
        if (vms < NAMED || vms > 9999) {
            throw new IllegalArgumentException("a demo site has " + NAMED + " to 9999 VMs, not " + vms);
        }
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(dir + " is not empty; name a new or empty folder");
                }
            }
        } else if (Files.exists(dir)) {
            throw new IllegalArgumentException(dir + " is a file; name a new or empty folder");
        }
        return new DemoSite(dir, vms).build();
    }

    private Made build() throws IOException, PrimitiveException, InterruptedException {
        List<String> lines = new ArrayList<>();
        Path disks = dir.resolve("disks");
        Files.createDirectories(disks.resolve("protected"));
        Files.createDirectories(disks.resolve("recovery"));
        LibvirtSiteBuilder recovery = site("recovery");
        SiteRef prot = site("protected").site();
        SiteRef rec = recovery.site();
        StringBuilder protectedNode = new StringBuilder("<node>\n");
        StringBuilder recoveryNode = new StringBuilder("<node>\n");
        ReplicationPort port = recovery.replication();
        // Written as every later change writes them, so a site whose changes were all undone reads the same.
        var empty = StateFile.JSON.createObjectNode();
        StateFile.at(rec.state()).write(empty.deepCopy().set("replication", StateFile.JSON.createObjectNode()));
        StateFile.at(prot.state()).write(empty);
        List<Vm> all = new ArrayList<>(VMS);
        all.addAll(generated);
        for (Vm vm : all) {
            boolean small = generated.contains(vm);
            List<ReplicationPort.Pair> pairs = new ArrayList<>();
            List<Path> sources = new ArrayList<>();
            for (String disk : vm.disks()) {
                Path source = disks.resolve("protected/" + vm.name() + "-" + disk + ".qcow2");
                Path replica = disks.resolve("recovery/" + vm.name() + "-" + disk + ".qcow2");
                if (small) {
                    content(source, vm.name() + " " + disk, SMALL_DISK_BYTES);
                } else if (disk.equals(vm.disks().get(0))) {
                    rootFilesystem(source, vm);
                } else {
                    content(source, vm.name() + " " + disk, DISK_BYTES);
                }
                LibvirtSiteBuilder.createDisk(replica, small ? SMALL_DISK_BYTES : DISK_BYTES);
                pairs.add(new ReplicationPort.Pair(source, replica));
                sources.add(source);
            }
            Path boot = disks.resolve("recovery/ctrl-" + vm.name() + "-boot.qcow2");
            if (small) {
                LibvirtSiteBuilder.createDisk(boot, SMALL_DISK_BYTES);
            } else {
                content(boot, "controller of " + vm.name(), DISK_BYTES);
            }
            protectedNode.append(domain(vm.name(), vm, vm.vcpus(), vm.memoryMiB(), vm.firmware(), sources,
                    vm.sourceNetwork(), 1));
            List<Path> controllerDisks = new ArrayList<>(List.of(boot));
            pairs.forEach(p -> controllerDisks.add(p.replica()));
            recoveryNode.append(domain("ctrl-" + vm.name(), vm, 1, 1024, "bios", controllerDisks, "dr-replication", 1));
            recovery.protect(vm.name());
            port.sync(vm.name(), pairs);
            if (!small) {
                lines.add(String.format("vm %-6s source domain %s on protected, controller ctrl-%s on recovery, disks %s",
                        vm.name(), vm.name(), vm.name(), String.join(", ", vm.disks())));
            }
        }
        if (!generated.isEmpty()) {
            lines.add(String.format("vms %s to %s: %d more, Linux on the recovery site's hardware, labelled app: site and "
                    + "a tier (db, app, web)", generated.get(0).name(), generated.get(generated.size() - 1).name(),
                    generated.size()));
        }
        int bridge = 0;
        for (String n : SOURCE_NETWORKS) {
            protectedNode.append(network(n, bridge++));
        }
        for (String n : RECOVERY_NETWORKS) {
            recoveryNode.append(network(n, bridge++));
        }
        Files.writeString(prot.nodeFile().orElseThrow(), protectedNode.append("</node>\n"));
        Files.writeString(rec.nodeFile().orElseThrow(), recoveryNode.append("</node>\n"));
        Path inventory = dir.resolve("inventory.yaml");
        StringBuilder text = new StringBuilder(inventory(prot, rec, disks));
        for (int i = 0; i < generated.size(); i++) {
            text.append(generatedEntry(generated.get(i), NAMED + 1 + i, disks));
        }
        Files.writeString(inventory, text);
        if (!generated.isEmpty()) {
            Path plan = dir.resolve("recovery-plan.yaml");
            Files.writeString(plan, sitePlan());
            lines.add("recovery plan of the generated VMs: " + plan);
        }
        lines.add(0, "site protected: " + prot.uri() + " (networks " + String.join(", ", SOURCE_NETWORKS) + ")");
        lines.add(1, "site recovery:  " + rec.uri() + " (networks " + String.join(", ", RECOVERY_NETWORKS) + ")");
        lines.add("replicas in sync with their sources (qemu-img convert), exports active");
        lines.add("inventory: " + inventory);
        return new Made(dir, inventory, prot, rec, lines);
    }

    private LibvirtSiteBuilder site(String name) throws PrimitiveException {
        return LibvirtSiteBuilder.onTestDriver(name, dir.resolve(name + ".xml"));
    }

    /**
     * A root disk with a real filesystem, so that remediation can stage files into it: ext4 with a small
     * Linux tree (os-release, host name, the source's network settings and some application data) for
     * Linux VMs, an empty NTFS volume for Windows. The application data is there to show it is untouched.
     */
    private static void rootFilesystem(Path disk, Vm vm) throws IOException, PrimitiveException, InterruptedException {
        Path raw = disk.resolveSibling(disk.getFileName() + ".raw");
        Path tree = Files.createTempDirectory("runbook-demo-root");
        try {
            try (var f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
                f.setLength(DISK_BYTES);
            }
            List<String> mkfs;
            if (vm.windows()) {
                mkfs = List.of("mkntfs", "-F", "-Q", "-q", "-L", vm.name() + "-system", raw.toString());
            } else {
                write(tree.resolve("etc/os-release"), vm.osRelease());
                write(tree.resolve("etc/hostname"), vm.name() + "\n");
                write(tree.resolve("etc/fstab"), "LABEL=" + vm.name() + "-root / ext4 defaults 0 1\n");
                write(tree.resolve("srv/app/data.bin"), "RUNBOOK-DEMO-APPDATA " + vm.name() + "\n");
                // A merged-/usr layout, so that libguestfs's inspection (virt-cat, virt-ls) knows it as Linux.
                for (String dir : List.of("bin", "sbin", "lib")) {
                    Files.createDirectories(tree.resolve("usr/" + dir));
                    Files.createSymbolicLink(tree.resolve(dir), Path.of("usr/" + dir));
                }
                Files.createDirectories(tree.resolve("var/lib"));
                mkfs = List.of("mkfs.ext4", "-q", "-F", "-L", vm.name() + "-root", "-d", tree.toString(), raw.toString());
            }
            Process p = new ProcessBuilder(mkfs).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new PrimitiveException(String.join(" ", mkfs) + " failed: " + out.strip()
                        + (vm.windows() ? " (mkntfs comes with ntfs-3g: apt-get install ntfs-3g)" : ""));
            }
            LibvirtSiteBuilder.importRaw(raw, disk);
        } catch (IOException e) {
            throw new PrimitiveException("cannot make the root filesystem of " + vm.name() + ": " + e.getMessage()
                    + (vm.windows() ? " (mkntfs comes with ntfs-3g: apt-get install ntfs-3g)" : ""), e);
        } finally {
            Files.deleteIfExists(raw);
            try (var files = Files.walk(tree)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /**
     * A qcow2 disk of {@code size} bytes whose content is a labelled header and bytes unique to the label (a
     * megabyte of them, or the disk's second half when it is smaller).
     */
    private static void content(Path disk, String label, long size) throws IOException, PrimitiveException,
            InterruptedException {
        Path raw = disk.resolveSibling(disk.getFileName() + ".raw");
        byte[] bytes = new byte[(int) size];
        byte[] header = ("RUNBOOK-DEMO-DISK " + label + "\n").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(header, 0, bytes, 0, header.length);
        int at = (int) Math.min(1 << 20, size / 2);
        byte[] noise = new byte[(int) Math.min(1 << 20, size - at)];
        new Random(label.hashCode()).nextBytes(noise);
        System.arraycopy(noise, 0, bytes, at, noise.length);
        Files.write(raw, bytes);
        try {
            LibvirtSiteBuilder.importRaw(raw, disk);
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    private static String domain(String name, Vm vm, int vcpus, int memoryMiB, String firmware, List<Path> disks,
                                 String network, int runstate) {
        StringBuilder out = new StringBuilder();
        out.append("  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n")
                .append("    <name>").append(name).append("</name>\n")
                .append("    <uuid>").append(uuid("domain " + name)).append("</uuid>\n")
                .append("    <memory unit='KiB'>").append(memoryMiB * 1024L).append("</memory>\n")
                .append("    <currentMemory unit='KiB'>").append(memoryMiB * 1024L).append("</currentMemory>\n")
                .append("    <vcpu>").append(vcpus).append("</vcpu>\n")
                .append("    <os").append(firmware.equals("uefi") ? " firmware='efi'" : "")
                .append("><type arch='x86_64'>hvm</type><boot dev='hd'/></os>\n")
                .append("    <features><acpi/></features>\n")
                .append("    <devices>\n");
        String prefix = vm.bus().equals("sata") ? "sd" : "vd";
        for (int i = 0; i < disks.size(); i++) {
            out.append("      <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='")
                    .append(disks.get(i)).append("'/><target dev='").append(prefix).append((char) ('a' + i))
                    .append("' bus='").append(vm.bus()).append("'/></disk>\n");
        }
        out.append("      <interface type='network'><mac address='").append(vm.mac())
                .append("'/><source network='").append(network).append("'/></interface>\n")
                .append("    </devices>\n")
                .append("    <test:runstate>").append(runstate).append("</test:runstate>\n")
                .append("  </domain>\n");
        return out.toString();
    }

    private static String network(String name, int bridge) {
        return "  <network><name>" + name + "</name><uuid>" + uuid("network " + name) + "</uuid><bridge name='rbdemo"
                + bridge + "'/></network>\n";
    }

    /** A stable UUID, so that a definition read before any change equals one read after a restore. */
    private static String uuid(String what) {
        return UUID.nameUUIDFromBytes(("runbook-demo " + what).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A generated VM's inventory entry, its tier from its number. */
    private static String generatedEntry(Vm vm, int i, Path disks) {
        return """
                    - name: %1$s
                      protectedSite: protected
                      recoverySite: recovery
                      sourceDomain: %1$s
                      controllerDomain: ctrl-%1$s
                      hardwareProfile: kvm-virtio
                      firmware: bios
                      compute: {vcpus: 1, memoryMiB: 1024}
                      os: {family: linux, flavour: rhel-9, networkStack: networkmanager}
                      disks:
                        - {name: root, source: %2$s/protected/%1$s-root.qcow2, replica: %2$s/recovery/%1$s-root.qcow2, root: true, target: vda}
                      nics:
                        - {name: eth0, mac: "%3$s", network: prod-lan, ipv4: dhcp}
                      remediation: {network: preserve}
                      labels: {tier: %4$s, app: site}
                """.formatted(vm.name(), disks, vm.mac(), generatedTier(i));
    }

    /**
     * The recovery plan of a larger demo site's generated VMs, by label: databases, then application servers, then
     * web; a tier that would select none is left out.
     */
    private String sitePlan() {
        StringBuilder plan = new StringBuilder("""
                # The generated VMs of a demo site made by `runbook demo init DIR --vms N`, by label, in tiers.
                apiVersion: runbooks/v1
                kind: RecoveryPlan
                metadata:
                  name: site-test
                  version: 1.0.0
                  description: Test failover of every generated VM of the demo site, databases first, web last.
                spec:
                  operation: test-failover
                  concurrency: {vms: 32}
                  onFailure: continue
                  tiers:
                """);
        for (String[] tier : new String[][] {{"database", "db"}, {"application", "app"}, {"web", "web"}}) {
            boolean any = false;
            for (int i = NAMED + 1; i < NAMED + 1 + generated.size(); i++) {
                any |= generatedTier(i).equals(tier[1]);
            }
            if (any) {
                plan.append("    - name: ").append(tier[0]).append("\n      vms:\n        - select: {labels: {app: site, tier: ")
                        .append(tier[1]).append("}}\n          gates: [{expression: \"run.state == 'completed'\", timeout: 1m}]\n");
            }
        }
        return plan.toString();
    }

    private static String inventory(SiteRef prot, SiteRef rec, Path disks) {
        String d = disks.toString();
        return """
                # The demo site made by `runbook demo init`: libvirt test-driver node files, qcow2 disks.
                apiVersion: runbooks/v1
                kind: Inventory
                metadata:
                  name: demo
                  version: 1.0.0
                  description: Three protected VMs replicated from a VMware-style site onto a KVM recovery site.
                spec:
                  sites:
                    protected:
                      uri: %1$s
                      hardwareProfile: vmware-esxi
                      description: Protected site, where production runs
                    recovery:
                      uri: %2$s
                      hardwareProfile: kvm-virtio
                      description: Recovery site, KVM with virtio devices
                  networks:
                    - source: prod-lan
                      production: dr-prod-lan
                      test: dr-test-isolated
                    - source: prod-dmz
                      production: dr-prod-dmz
                      test: dr-test-isolated
                  vms:
                    - name: web01
                      hostname: web01.example.internal
                      protectedSite: protected
                      recoverySite: recovery
                      sourceDomain: web01
                      controllerDomain: ctrl-web01
                      hardwareProfile: vmware-esxi
                      firmware: bios
                      compute: {vcpus: 2, memoryMiB: 4096}
                      os: {family: linux, flavour: ubuntu-22.04, networkStack: netplan}
                      disks:
                        - {name: root, source: %3$s/protected/web01-root.qcow2, replica: %3$s/recovery/web01-root.qcow2, root: true, target: vda}
                        - {name: data, source: %3$s/protected/web01-data.qcow2, replica: %3$s/recovery/web01-data.qcow2, target: vdb}
                      nics:
                        - name: ens160
                          mac: "52:54:00:10:00:01"
                          network: prod-lan
                          ipv4:
                            address: 10.10.0.21
                            prefix: 24
                            gateway: 10.10.0.1
                            dns: [10.10.0.2, 10.10.0.3]
                            searchDomains: [example.internal]
                      remediation: {network: restore-static, reportDeadline: 3m}
                      labels: {tier: web, app: shop}
                    - name: app02
                      hostname: app02.example.internal
                      protectedSite: protected
                      recoverySite: recovery
                      sourceDomain: app02
                      controllerDomain: ctrl-app02
                      hardwareProfile: kvm-virtio
                      firmware: uefi
                      compute: {vcpus: 4, memoryMiB: 8192}
                      os: {family: linux, flavour: rhel-9, networkStack: networkmanager}
                      disks:
                        - {name: root, source: %3$s/protected/app02-root.qcow2, replica: %3$s/recovery/app02-root.qcow2, root: true, target: vda}
                      nics:
                        - name: eth0
                          mac: "52:54:00:10:00:02"
                          network: prod-lan
                          ipv4: dhcp
                      remediation: {network: preserve}
                      labels: {tier: app, app: shop}
                    - name: win03
                      hostname: win03
                      protectedSite: protected
                      recoverySite: recovery
                      sourceDomain: win03
                      controllerDomain: ctrl-win03
                      hardwareProfile: vmware-esxi
                      firmware: uefi
                      compute: {vcpus: 4, memoryMiB: 16384}
                      os: {family: windows, flavour: windows-server-2022}
                      disks:
                        - {name: system, source: %3$s/protected/win03-system.qcow2, replica: %3$s/recovery/win03-system.qcow2, root: true, target: sda}
                        - {name: logs, source: %3$s/protected/win03-logs.qcow2, replica: %3$s/recovery/win03-logs.qcow2, target: sdb}
                      nics:
                        - name: Ethernet0
                          mac: "52:54:00:10:00:03"
                          network: prod-dmz
                          ipv4:
                            address: 192.168.50.13
                            prefix: 24
                            gateway: 192.168.50.1
                            dns: [192.168.50.2]
                      remediation: {network: restore-source, reportDeadline: 2m}
                      labels: {tier: reporting}
                    - name: db01
                      hostname: db01.example.internal
                      protectedSite: protected
                      recoverySite: recovery
                      sourceDomain: db01
                      controllerDomain: ctrl-db01
                      hardwareProfile: kvm-virtio
                      firmware: uefi
                      compute: {vcpus: 2, memoryMiB: 4096}
                      os: {family: linux, flavour: rhel-9, networkStack: networkmanager}
                      disks:
                        - {name: root, source: %3$s/protected/db01-root.qcow2, replica: %3$s/recovery/db01-root.qcow2, root: true, target: vda}
                      nics:
                        - name: eth0
                          mac: "52:54:00:10:00:04"
                          network: prod-lan
                          ipv4: dhcp
                      remediation: {network: preserve}
                      labels: {tier: db, app: shop}
                """.formatted(prot.uri(), rec.uri(), d);
    }
}
