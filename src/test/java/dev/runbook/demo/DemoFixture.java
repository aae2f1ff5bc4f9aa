package dev.runbook.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.libvirt.QemuImg;
import dev.runbook.primitive.libvirt.LibvirtReplicationPort;
import dev.runbook.primitive.libvirt.Session;
import dev.runbook.primitive.libvirt.SiteRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A demo site in a test's folder, with what tests read from it and do to it. */
public final class DemoFixture {

    public final Path dir;
    public final Path inventory;
    public final Path journal;
    public final SiteRef protectedSite;
    public final SiteRef recoverySite;

    public DemoFixture(Path dir) {
        try {
            DemoSite.Made made = DemoSite.init(dir.resolve("site"));
            this.dir = made.dir();
            this.inventory = made.inventory();
            this.journal = dir.resolve("journal.db");
            this.protectedSite = made.protectedSite();
            this.recoverySite = made.recoverySite();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PrimitiveException | InterruptedException e) {
            throw new IllegalStateException("the demo site cannot be built: " + e.getMessage(), e);
        }
    }

    public Path replica(String vm, String disk) {
        return dir.resolve("disks/recovery/" + vm + "-" + disk + ".qcow2");
    }

    public Path source(String vm, String disk) {
        return dir.resolve("disks/protected/" + vm + "-" + disk + ".qcow2");
    }

    public List<ReplicationPort.Pair> pairs(String vm) {
        return DemoSite.VMS.stream().filter(v -> v.name().equals(vm)).findFirst().orElseThrow().disks().stream()
                .map(d -> new ReplicationPort.Pair(source(vm, d), replica(vm, d))).toList();
    }

    public LibvirtReplicationPort port() {
        return new LibvirtReplicationPort(recoverySite);
    }

    public String state(SiteRef site, String domain) throws Exception {
        return Session.read(site, s -> s.stateOf(domain));
    }

    public String definition(SiteRef site, String domain) throws Exception {
        return Session.read(site, s -> s.definition(domain));
    }

    /** The recovery site's state file as it is now. */
    public com.fasterxml.jackson.databind.JsonNode recoveryState() {
        return dev.runbook.primitive.StateFile.at(recoverySite.state()).read();
    }

    public String export(String vm) throws Exception {
        return Session.read(recoverySite, Session::state).path("replication").path(vm).path("export").asText();
    }

    /** Every file of the site, by path, with its bytes: what "no change made" compares. */
    public Map<Path, String> files() throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".lock")).sorted()
                    .toList()) {
                out.put(p, java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Writes 64 KiB of {@code pattern} at the start of a disk's second megabyte, as a running guest would. */
    public static void write(Path disk, int pattern) throws Exception {
        Process p = new ProcessBuilder("qemu-io", "-f", "qcow2", "-c",
                "write -P " + pattern + " 1M 64k", disk.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "qemu-io failed: " + out);
    }

    public static boolean identical(Path a, Path b) throws Exception {
        return QemuImg.identical(a, b);
    }

    public static Path copy(Path disk, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        return Files.copy(disk, to);
    }
}
