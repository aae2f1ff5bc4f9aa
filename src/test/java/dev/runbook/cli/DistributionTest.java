package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive the build makes, unpacked as an operator would: its launcher runs from any working
 * folder with only a JDK, finds its shipped runbooks, and never builds.
 */
@Tag("process")
class DistributionTest {

    private static final String VERSION = System.getProperty("runbook.version");

    @TempDir
    static Path dir;

    private static Path home;
    private static List<String> entries;

    @BeforeAll
    static void unpack() throws Exception {
        assertNotNull(VERSION, "the system property runbook.version is not set; run this test through Maven");
        Path archive = Path.of("target/runbook-" + VERSION + ".tar.gz").toAbsolutePath();
        if (!Files.isRegularFile(archive)) {
            fail(archive + " is missing; run `mvn package` first (bin/test does, before the slow tiers)");
        }
        Path jar = Path.of("target/runbook.jar");
        if (Files.isRegularFile(jar) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) < 0) {
            fail(archive + " is older than " + jar + "; run `mvn package` to build it from the current sources");
        }
        entries = command(Path.of("."), List.of("tar", "-tzf", archive.toString())).lines().toList();
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        command(Path.of("."), List.of("tar", "-xzf", archive.toString(), "-C", unpacked.toString()));
        home = unpacked.resolve("runbook-" + VERSION);
        // A stand-in for Maven that leaves a mark: the release's launcher must never try to build.
        Path fakeBin = Files.createDirectories(dir.resolve("fake-bin"));
        Path mvn = fakeBin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\ntouch '" + dir.resolve("mvn-was-called") + "'\nexit 1\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void theArchiveHoldsTheReleaseAndNoSources() {
        String top = "runbook-" + VERSION + "/";
        for (String expected : List.of("bin/runbook", "bin/lib/jdk.sh", "bin/lib/guest-image.sh", "lib/runbook.jar", "lib/picocli-4.7.7.jar",
                "runbooks/test-failover.yaml", "runbooks/commit.yaml", "templates/linux/firstboot.sh.ftl",
                "schemas/runbook-v1.schema.json", "schemas/inventory-v1.schema.json", "inventories/sample.yaml",
                "completion/runbook.bash", "README.md")) {
            assertTrue(entries.contains(top + expected), top + expected + " is missing from the archive: " + entries);
        }
        for (String entry : entries) {
            assertTrue(entry.startsWith(top), "outside the release's folder: " + entry);
            assertFalse(entry.contains("/src/") || entry.endsWith("/src"), "sources in the archive: " + entry);
            assertFalse(entry.endsWith("pom.xml"), "a pom in the archive: " + entry);
            assertFalse(entry.contains("/target/"), "a build folder in the archive: " + entry);
        }
        assertTrue(Files.isExecutable(home.resolve("bin/runbook")), "bin/runbook is not executable once unpacked");
        assertTrue(Files.isExecutable(home.resolve("bin/lib/guest-image.sh")), "the guest image script is not executable");
    }

    @Test
    void aRunbookValidatesAndPlansFromAnotherFolder() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work-plan"));
        String runbook = home.resolve("runbooks/test-failover.yaml").toString();
        String validated = launch(work, "validate", runbook);
        assertTrue(validated.lines().anyMatch(l -> l.equals("ok  " + runbook)), validated);

        String plan = launch(work, "plan", runbook, "--inventory", home.resolve("inventories/sample.yaml").toString(),
                "--vm", "web01");
        assertTrue(plan.lines().anyMatch(l -> l.equals("Plan: test-failover 1.0.0 for VM web01")), plan);
        assertTrue(plan.contains("--- /usr/local/sbin/runbook-firstboot"), "the guest script rendered: " + plan);
        assertNothingBuilt();
        // A release starts from a class-data archive in the user's cache, never beside the installation.
        assertTrue(Files.exists(dir.resolve("cache/runbook/runbook-jdk" + Runtime.version().feature() + ".jsa")),
                "no class-data archive in the user's cache");
        try (var installed = Files.walk(home)) {
            assertTrue(installed.noneMatch(f -> f.toString().endsWith(".jsa")), "an archive was written into the release");
        }
    }

    @Test
    void theDemoRunsFromAnotherFolderOnTheShippedRunbooks() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work-demo"));
        String out = launch(work, "demo", "--dir", dir.resolve("demo-site").toString());
        assertTrue(out.contains("== 4. rollback"), out);
        assertTrue(out.contains("Images are identical."), out);
        assertTrue(out.contains(home.resolve("runbooks/planned-failover.yaml").toString()),
                "the demo used the release's runbooks: " + out);
        assertNothingBuilt();
    }

    @Test
    void aRepositoryStartedWithInitPassesItsOwnCiScript() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work-init"));
        launch(work, "init", "ops");
        // The CI script finds runbook on the PATH, as on a CI machine with the release installed.
        String out = command(work, List.of("env", "PATH=" + home.resolve("bin") + ":" + System.getenv("PATH"),
                "ops/ci/validate.sh"));
        assertTrue(out.lines().anyMatch(l -> l.equals("ok  runbooks/test-failover.yaml")), out);
        assertTrue(out.lines().anyMatch(l -> l.equals("ok  inventories/inventory.yaml")), out);
        assertNothingBuilt();
    }

    @Test
    void theCompletionScriptLoadsInBash() throws Exception {
        String script = home.resolve("completion/runbook.bash").toString();
        String out = command(dir, List.of("bash", "-c", "source '" + script + "' && complete -p runbook"));
        assertTrue(out.contains("runbook"), out);
        assertTrue(Files.readString(Path.of(script)).contains("validate"), "the subcommands are completed");
    }

    private static void assertNothingBuilt() {
        assertFalse(Files.exists(dir.resolve("mvn-was-called")), "the release's launcher called mvn");
        assertFalse(Files.exists(home.resolve("target")), "the release's launcher made a build folder");
    }

    /** Runs the unpacked launcher in {@code cwd}, as an operator with only a JDK on the PATH would. */
    private static String launch(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/runbook").toString()));
        cmd.addAll(List.of(args));
        return command(cwd, cmd);
    }

    private static String command(Path cwd, List<String> cmd) throws Exception {
        Path log = Files.createTempFile(dir, "out", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("RUNBOOK_HOME");
        pb.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        pb.environment().put("PATH", dir.resolve("fake-bin") + ":" + System.getenv("PATH"));
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", cmd) + " did not end in 5 minutes");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }
}
