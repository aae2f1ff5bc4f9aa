package dev.runbook.realqemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.cli.Cli;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.libvirt.QemuImg;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.libvirt.LibvirtReplicationPort;
import dev.runbook.primitive.libvirt.Session;
import dev.runbook.primitive.libvirt.SiteRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.Network;

/**
 * The real-QEMU profile: a test failover and its rollback of a domain with a small qcow2 disk on
 * {@code qemu:///system} (libvirtd, QEMU under TCG), through the CLI. It starts virtlogd and libvirtd
 * when they are not running. Without root, libvirtd or QEMU it is skipped, and says so loudly.
 * Run it alone with {@code mvn test -Dgroups=real-qemu}.
 */
@Tag("real-qemu")
class RealQemuTest {

    private static final String URI = "qemu:///system";
    private static final Pattern RUN_ID = Pattern.compile("run (\\d{8}-\\d{6}-[0-9a-f]{4}) ");

    private final String tag = "rbt" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt()});
    private final List<String> domains = new ArrayList<>();
    private final List<String> networks = new ArrayList<>();
    private Path dir;
    private Connect connect;

    @Test
    void testFailoverAndRollbackOnRealQemu() throws Exception {
        requireRealQemu();
        dir = Files.createDirectories(Path.of("/var/lib/libvirt/images/runbook-test-" + tag));
        connect = new Connect(URI);
        String repl = network("repl");
        String test = network("test");
        String prod = network("prod");
        Path source = dir.resolve("app-root-source.qcow2");
        Path replica = dir.resolve("app-root-replica.qcow2");
        Path boot = dir.resolve("ctrl-boot.qcow2");
        for (Path disk : List.of(source, replica, boot)) {
            QemuImg.check("create", "-q", "-f", "qcow2", disk.toString(), "16M");
        }
        qemuIo(source, "write -P 0x42 0 256k");
        SiteRef recovery = new SiteRef("recovery", URI, dir.resolve("recovery.state.json"), java.util.Optional.empty());
        Files.writeString(recovery.state(), "{\"replication\": {}}");
        // Admission records the run's ownership at both of the VM's sites.
        Files.writeString(dir.resolve("protected.state.json"), "{}");
        LibvirtReplicationPort port = new LibvirtReplicationPort(recovery);
        port.register("app");
        port.sync("app", List.of(new ReplicationPort.Pair(source, replica)));
        assertTrue(QemuImg.identical(source, replica));

        String srcDomain = domain("src", 1, 256, List.of(source), prod, false);
        String ctrl = domain("ctrl", 1, 256, List.of(boot, replica), repl, true);
        Path before = Files.copy(replica, dir.resolve("before.qcow2"));
        String definition = connect.domainLookupByName(ctrl).getXMLDesc(Session.INACTIVE_XML);
        Path inventory = dir.resolve("inventory.yaml");
        Files.writeString(inventory, inventory(srcDomain, ctrl, source, replica, prod, test));
        String journal = dir.resolve("journal.db").toString();

        Cli failover = Cli.run("run", "runbooks/test-failover.yaml", "-i", inventory.toString(), "--vm", "app",
                "--journal", journal);
        System.out.println(failover.out() + failover.err());
        assertEquals(0, failover.code(), failover.out() + failover.err());
        Domain recovered = connect.domainLookupByName(ctrl);
        assertEquals(1, recovered.isActive(), "the recovered VM does not run");
        String xml = recovered.getXMLDesc(0);
        assertTrue(xml.contains("<vcpu placement='static'>2</vcpu>"), xml);
        assertTrue(xml.contains("<source network='" + test + "'"), xml);
        assertTrue(xml.indexOf(replica.toString()) < xml.indexOf(boot.toString()), xml);
        assertTrue(xml.contains("<boot order='1'/>"), xml);

        Cli rollback = Cli.run("rollback", runId(failover), "--journal", journal);
        System.out.println(rollback.out() + rollback.err());
        assertEquals(0, rollback.code(), rollback.out() + rollback.err());
        assertTrue(QemuImg.identical(before, replica), "rollback did not restore the replica");
        assertTrue(QemuImg.snapshots(replica).isEmpty());
        String after = connect.domainLookupByName(ctrl).getXMLDesc(Session.INACTIVE_XML);
        assertTrue(Session.sameDefinition(definition, after), Session.difference(definition, after));
        assertEquals(1, connect.domainLookupByName(ctrl).isActive(), "the controller is not running again");
        assertEquals("active", StateFile.at(recovery.state()).read().path("replication").path("app").path("export")
                .asText());
    }

    private static String runId(Cli c) {
        Matcher m = RUN_ID.matcher(c.out());
        assertTrue(m.find(), c.out());
        return m.group(1);
    }

    private void requireRealQemu() throws Exception {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("root");
        }
        for (String tool : List.of("/usr/sbin/libvirtd", "/usr/sbin/virtlogd", "/usr/bin/qemu-system-x86_64",
                "/usr/bin/qemu-io")) {
            if (!Files.isExecutable(Path.of(tool))) {
                missing.add(tool);
            }
        }
        if (missing.isEmpty()) {
            startDaemons();
        }
        if (!missing.isEmpty()) {
            String why = "REAL-QEMU TEST SKIPPED: this machine lacks " + String.join(", ", missing)
                    + "; run bin/test as root so that it installs libvirt-daemon-system and qemu-system-x86";
            System.err.println("\n" + "!".repeat(why.length()) + "\n" + why + "\n" + "!".repeat(why.length()) + "\n");
            Assumptions.abort(why);
        }
    }

    private static void startDaemons() throws Exception {
        Files.createDirectories(Path.of("/var/log/libvirt"));
        Files.createDirectories(Path.of("/run/libvirt"));
        for (String daemon : List.of("virtlogd", "libvirtd")) {
            if (exec("pgrep", "-x", daemon) != 0) {
                assertEquals(0, exec(daemon, "-d"), daemon + " did not start");
            }
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(Path.of("/run/libvirt/libvirt-sock")) && System.nanoTime() < end) {
            Thread.sleep(100);
        }
    }

    private static int exec(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    private static void qemuIo(Path disk, String command) throws Exception {
        Process p = new ProcessBuilder("qemu-io", "-f", "qcow2", "-c", command, disk.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    private String network(String role) throws LibvirtException {
        String name = tag + "-" + role;
        Network n = connect.networkDefineXML("<network><name>" + name + "</name><bridge name='" + tag
                + role.charAt(0) + "'/></network>");
        networks.add(name);
        n.create();
        return name;
    }

    private String domain(String role, int vcpus, int memoryMiB, List<Path> disks, String network, boolean start)
            throws LibvirtException {
        String name = tag + "-" + role;
        StringBuilder xml = new StringBuilder("<domain type='qemu'><name>").append(name).append("</name>")
                .append("<memory unit='MiB'>").append(memoryMiB).append("</memory><vcpu>").append(vcpus)
                .append("</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><devices>");
        for (int i = 0; i < disks.size(); i++) {
            xml.append("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='")
                    .append(disks.get(i)).append("'/><target dev='vd").append((char) ('a' + i))
                    .append("' bus='virtio'/></disk>");
        }
        xml.append("<interface type='network'><mac address='52:54:00:7e:00:0").append(domains.size() + 1)
                .append("'/><source network='").append(network).append("'/><model type='virtio'/></interface>")
                .append("</devices></domain>");
        Domain d = connect.domainDefineXML(xml.toString());
        domains.add(name);
        if (start) {
            d.create();
        }
        return name;
    }

    private String inventory(String src, String ctrl, Path source, Path replica, String prod, String test) {
        return """
                apiVersion: runbooks/v1
                kind: Inventory
                metadata: {name: real-qemu, version: 1.0.0}
                spec:
                  sites:
                    protected: {uri: "qemu:///system", hardwareProfile: kvm-virtio, state: %1$s/protected.state.json}
                    recovery: {uri: "qemu:///system", hardwareProfile: kvm-virtio, state: %1$s/recovery.state.json}
                  networks:
                    - {source: prod-lan, production: %2$s, test: %3$s}
                  vms:
                    - name: app
                      protectedSite: protected
                      recoverySite: recovery
                      sourceDomain: %4$s
                      controllerDomain: %5$s
                      hardwareProfile: kvm-virtio
                      firmware: bios
                      compute: {vcpus: 2, memoryMiB: 256}
                      os: {family: linux, flavour: rhel-9, networkStack: networkmanager}
                      disks:
                        - {name: root, source: %6$s, replica: %7$s, root: true, target: vda}
                      nics:
                        - {name: eth0, mac: "52:54:00:7e:00:02", network: prod-lan, ipv4: dhcp}
                      remediation: {network: preserve}
                """.formatted(dir, prod, test, src, ctrl, source, replica);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (connect == null) {
            return;
        }
        for (String name : domains) {
            try {
                Domain d = connect.domainLookupByName(name);
                if (d.isActive() == 1) {
                    d.destroy();
                }
                d.undefine();
            } catch (LibvirtException ignored) {
                // already gone
            }
        }
        for (String name : networks) {
            try {
                Network n = connect.networkLookupByName(name);
                if (n.isActive() == 1) {
                    n.destroy();
                }
                n.undefine();
            } catch (LibvirtException ignored) {
                // already gone
            }
        }
        connect.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
