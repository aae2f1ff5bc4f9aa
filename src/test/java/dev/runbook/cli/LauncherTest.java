package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher from any working folder: it finds its own shipped runbooks, templates and schemas. */
@Tag("process")
class LauncherTest {

    private static final Path LAUNCHER = Path.of("bin/runbook").toAbsolutePath();

    @TempDir
    Path dir;

    private String run(Path cwd, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(LAUNCHER.toString()));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().remove("RUNBOOK_HOME");
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the launcher did not end in 5 minutes");
        String out = Files.readString(dir.resolve("out.log"));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void theDemoRunsFromAnyFolder() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        String out = run(elsewhere, "demo", "--dir", dir.resolve("site").toString());
        assertTrue(out.contains("Images are identical"), out);
    }

    @Test
    void aRunbookInItsOwnRepositoryValidatesAndPlansFromThere() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("ops/runbooks"));
        Files.copy(Path.of("runbooks/planned-failover.yaml"), repo.resolve("planned-failover.yaml"));
        Files.copy(Path.of("inventories/sample.yaml"), dir.resolve("ops/inventory.yaml"));
        run(dir.resolve("ops"), "validate", "runbooks/planned-failover.yaml", "inventory.yaml");
        String plan = run(dir.resolve("ops"), "plan", "runbooks/planned-failover.yaml", "-i", "inventory.yaml",
                "--vm", "web01");
        assertTrue(plan.contains("--- /usr/local/sbin/runbook-firstboot"), "the shipped templates rendered: " + plan);
    }
}
