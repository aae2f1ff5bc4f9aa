package dev.runbook.primitive.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runbook.demo.DemoFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Staging into a real qcow2 replica with libguestfs, and reading it back: through this program's own
 * session, and through {@code virt-cat}, an independent reader of the same disk.
 */
@Tag("guestfs")
class GuestFsTest {

    static boolean guestfish() {
        return Files.isExecutable(Path.of("/usr/bin/guestfish"));
    }

    @Test
    void stagedFilesAreInTheDiskWithTheirModesAndTheApplicationDataIsUntouched(@TempDir Path dir) throws Exception {
        assumeTrue(guestfish(), "SKIPPED LOUDLY: libguestfs-tools is not installed; bin/test installs it");
        DemoFixture site = new DemoFixture(dir);
        Path disk = site.replica("web01", "root");
        site.port().sync("web01", site.pairs("web01"));
        String script = "#!/bin/bash\necho 'first boot'\n";

        try (GuestFs fs = GuestFs.open(disk, true)) {
            fs.write("/usr/local/sbin/runbook-firstboot", script.getBytes(StandardCharsets.UTF_8), "0755");
            fs.symlink("/etc/systemd/system/runbook-firstboot.service",
                    "/etc/systemd/system/multi-user.target.wants/runbook-firstboot.service");
            fs.write("/var/lib/runbook/remediation-status.json", "{}".getBytes(StandardCharsets.UTF_8), "0644");
            fs.remove("/var/lib/runbook/remediation-status.json");
        }

        try (GuestFs fs = GuestFs.open(disk, false)) {
            assertEquals(script, fs.read("/usr/local/sbin/runbook-firstboot").orElseThrow());
            assertTrue(fs.exists("/etc/systemd/system/multi-user.target.wants/runbook-firstboot.service"));
            assertTrue(fs.read("/var/lib/runbook/remediation-status.json").isEmpty(), "removed");
            assertEquals("RUNBOOK-DEMO-APPDATA web01\n", fs.read("/srv/app/data.bin").orElseThrow());
        }

        Process p = tool("virt-cat", "-a", disk.toString(), "/usr/local/sbin/runbook-firstboot");
        p.getOutputStream().close();
        assertEquals(script, new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        Process ls = tool("virt-ls", "-a", disk.toString(), "-l", "/usr/local/sbin");
        String listing = new String(ls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ls.waitFor();
        assertTrue(listing.contains("-rwxr-xr-x"), "mode 0755: " + listing);
    }

    /** A libguestfs tool with the settings that work on these machines (no libvirtd, TCG). */
    private static Process tool(String... command) throws java.io.IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LIBGUESTFS_BACKEND", "direct");
        pb.environment().put("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        return pb.start();
    }

    @Test
    void aWindowsPathIsTakenOnTheSystemVolume() {
        assertEquals("/ProgramData/Runbook/firstboot.ps1", GuestFs.inside("C:/ProgramData/Runbook/firstboot.ps1"));
        assertEquals("/ProgramData/Runbook/x", GuestFs.inside("C:\\ProgramData\\Runbook\\x"));
        assertEquals("/usr/local/sbin/x", GuestFs.inside("/usr/local/sbin/x"));
        assertTrue(GuestFs.isWindowsPath("C:/x"));
        assertFalse(GuestFs.isWindowsPath("/x"));
    }
}
