package dev.runbook.primitive.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.StateFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Linux adaptation on a disk with a kernel: the initramfs generator of the disk's own system runs inside
 * it. The demo's root filesystem is given a kernel's module folder, this host's dash (with its loader and
 * libc) as /bin/sh, and an update-initramfs that records how it was called; a real generator needs a whole
 * distribution in the disk, which a test cannot ship, but the call, its place (inside the disk, not on the
 * host) and its failure path are the program's own.
 */
@Tag("guestfs")
class InitramfsRebuildTest {

    private static final String ARGS = "/boot/runbook-initramfs-args";

    private static void shell(GuestFs fs, String generator) throws Exception {
        fs.write("/usr/bin/sh", Files.readAllBytes(Path.of("/bin/dash")), "0755");
        fs.write("/usr/lib/x86_64-linux-gnu/libc.so.6", Files.readAllBytes(Path.of("/lib/x86_64-linux-gnu/libc.so.6")), "0755");
        fs.write("/lib64/ld-linux-x86-64.so.2", Files.readAllBytes(Path.of("/lib64/ld-linux-x86-64.so.2")), "0755");
        fs.write("/usr/lib/modules/6.1.0-runbook-test-amd64/modules.dep", new byte[0], "0644");
        fs.write("/boot/vmlinuz-6.1.0-runbook-test-amd64", new byte[0], "0644");
        fs.write("/usr/sbin/update-initramfs", generator.getBytes(StandardCharsets.UTF_8), "0755");
    }

    @Test
    void theDisksOwnGeneratorRebuildsTheInitramfsInsideTheDiskOrTheStepFails(@TempDir Path dir) throws Exception {
        assumeTrue(GuestFsTest.guestfish(), "SKIPPED LOUDLY: libguestfs-tools is not installed; bin/test installs it");
        DemoFixture site = new DemoFixture(dir);
        Path disk = site.replica("web01", "root");
        JsonNode out;
        try (GuestFs fs = GuestFs.open(disk, true)) {
            shell(fs, "#!/bin/sh\necho \"$@\" > " + ARGS + "\necho 'update-initramfs: Generating /boot/initrd.img-6.1.0'\n");
            out = Remediation.adaptLinux(fs, StateFile.JSON.createObjectNode());
        }
        assertEquals("rebuilt with /usr/sbin/update-initramfs", out.path("initramfs").asText(), out.toString());
        assertEquals("[\"6.1.0-runbook-test-amd64\"]", out.path("kernels").toString());
        try (GuestFs fs = GuestFs.open(disk, false)) {
            assertEquals("-u -k all\n", fs.read(ARGS).orElseThrow(), "the generator did not run inside the disk");
            assertTrue(fs.read("/usr/share/initramfs-tools/modules.d/runbook-virtio").orElseThrow().contains("virtio_blk"));
        }
        assertTrue(Files.notExists(Path.of(ARGS)), "the generator ran on the host");

        PrimitiveException e;
        try (GuestFs fs = GuestFs.open(disk, true)) {
            fs.write("/usr/sbin/update-initramfs", "#!/bin/sh\necho 'E: no space left for the initramfs' >&2\nexit 1\n"
                    .getBytes(StandardCharsets.UTF_8), "0755");
            e = assertThrows(PrimitiveException.class, () -> Remediation.adaptLinux(fs, StateFile.JSON.createObjectNode()));
        } catch (PrimitiveException closing) {
            throw new AssertionError("the failing generator was not reported before the session ended", closing);
        }
        assertEquals("/usr/sbin/update-initramfs -u -k all failed inside the disk (exit 1): E: no space left for the "
                + "initramfs", e.getMessage());
    }
}
