package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbook demo --plan}: the shipped three-tier plan on a demo site, as a newcomer runs it. web01's hardware
 * differs from the recovery site's, so its replica is adapted and staged with libguestfs and the demo guest plays
 * its first boot; the tiers run in order, web01 is rolled back alone, the rest in reverse tier order, and every
 * replica compares identical to its copy from before.
 */
@Tag("guestfs")
class PlanDemoTest {

    @Test
    void theShopIsRecoveredAsAPlanDecidedPerVmThenPerPlanAndVerified(@TempDir Path tmp) {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/guestfish")),
                "SKIPPED LOUDLY: libguestfs-tools is not installed; bin/test installs it");
        assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED LOUDLY: the demo guest needs root to run web01's first boot in a network namespace");
        Cli demo = Cli.run("demo", "--plan", "--dir", tmp.resolve("site").toString());
        String out = demo.out() + demo.err();
        assertEquals(0, demo.code(), out);
        assertTrue(out.contains("Tier 3 web") && out.contains("after: app02 (started)"), out);
        assertTrue(out.contains("3 of 3 VMs ready"), out);
        assertTrue(out.contains("3 VMs: 3 succeeded"), out);
        assertTrue(out.matches("(?s).*CRITICAL PATH SO FAR\\n  db01 \\(\\d+ s\\) -> app02 \\(\\d+ s\\) -> web01 .*"), out);
        assertTrue(out.contains("rolled back 1 VM of recovery plan run") && out.contains("  web01: completed"), out);
        int app = out.indexOf("  app02: completed; app02 is replication-ready");
        int db = out.indexOf("  db01: completed; db01 is replication-ready");
        assertTrue(app > 0 && db > app, "the rest is rolled back in reverse tier order: " + out);
        assertTrue(out.contains("3 VMs: 3 rolled back"), out);
        assertTrue(!out.contains("FAIL ") && out.contains("ok   web01: qemu-img compare web01-root.qcow2"), out);
    }
}
