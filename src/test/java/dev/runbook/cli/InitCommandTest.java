package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runbook init}: a repository that validates and plans as written, and never a file overwritten. */
class InitCommandTest {

    @TempDir
    Path dir;

    @Test
    void aNewRepositoryValidatesAndPlansWithItsOwnInventory() throws Exception {
        Path repo = dir.resolve("ops");
        Cli init = Cli.run("init", repo.toString());
        assertEquals(0, init.code(), init.err());

        List<Path> runbooks = yamlIn(repo.resolve("runbooks"));
        assertEquals(yamlIn(Path.of("runbooks")).stream().map(Path::getFileName).toList(),
                runbooks.stream().map(Path::getFileName).toList(), "every shipped runbook copied");
        for (Path runbook : runbooks) {
            assertArrayEquals(Files.readAllBytes(Path.of("runbooks").resolve(runbook.getFileName())),
                    Files.readAllBytes(runbook), runbook + " is a copy of the shipped one");
        }
        Path inventory = repo.resolve("inventories/inventory.yaml");
        List<String> files = new ArrayList<>(runbooks.stream().map(Path::toString).toList());
        files.add(inventory.toString());
        Cli validate = Cli.run(prepend("validate", files));
        assertEquals(0, validate.code(), validate.out() + validate.err());
        for (String file : files) {
            assertTrue(validate.out().lines().anyMatch(l -> l.equals("ok  " + file)), validate.out());
        }

        // Every shipped runbook plans with the sample inventory in PreviewGoldenTest; here the inventory is new.
        for (String runbook : List.of("test-failover.yaml", "planned-failover.yaml")) {
            Cli plan = Cli.run("plan", repo.resolve("runbooks/" + runbook).toString(), "-i", inventory.toString(),
                    "--vm", "web01");
            assertEquals(0, plan.code(), runbook + ": " + plan.err());
            assertTrue(plan.out().contains("for VM web01"), plan.out());
            assertTrue(plan.out().contains("--- /usr/local/sbin/runbook-firstboot"), "the guest script rendered: " + plan.out());
        }
    }

    @Test
    void theEditorAndCiFilesPointAtWhatIsThere() throws Exception {
        Path repo = dir.resolve("ops");
        assertEquals(0, Cli.run("init", repo.toString()).code());
        for (String schema : List.of("runbook-v1.schema.json", "inventory-v1.schema.json")) {
            assertArrayEquals(Files.readAllBytes(Path.of("schemas", schema)), Files.readAllBytes(repo.resolve("schemas/" + schema)));
        }
        JsonNode mapping = new ObjectMapper().readTree(repo.resolve(".vscode/settings.json").toFile()).get("yaml.schemas");
        assertEquals("[\"runbooks/*.yaml\",\"runbooks/*.yml\"]", mapping.get("./schemas/runbook-v1.schema.json").toString());
        assertEquals("[\"inventories/*.yaml\",\"inventories/*.yml\"]", mapping.get("./schemas/inventory-v1.schema.json").toString());
        mapping.fieldNames().forEachRemaining(schema -> assertTrue(Files.isRegularFile(repo.resolve(schema)), schema));

        Path script = repo.resolve("ci/validate.sh");
        assertTrue(Files.isExecutable(script), "ci/validate.sh is executable");
        assertTrue(Files.readString(script).contains("validate \"${files[@]}\""), Files.readString(script));
        assertTrue(Files.readString(repo.resolve(".gitignore")).contains(".state/"), "the journal is not committed");
        assertTrue(Files.readString(repo.resolve("README.md")).contains("ci/validate.sh"));
    }

    @Test
    void theCiScriptPassesShellcheck() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/shellcheck")), "SKIPPED LOUDLY: shellcheck is not installed; bin/test installs it");
        assertEquals(0, Cli.run("init", dir.resolve("ops").toString()).code());
        Process p = new ProcessBuilder("shellcheck", dir.resolve("ops/ci/validate.sh").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void theCommentedWindowsExampleIsAValidVmOnceUncommented() throws Exception {
        Path repo = dir.resolve("ops");
        assertEquals(0, Cli.run("init", repo.toString()).code());
        String text = Files.readString(repo.resolve("inventories/inventory.yaml"));
        int start = text.indexOf("    # - name: win03");
        assertTrue(start > 0, "the inventory has a commented Windows example");
        String uncommented = text.substring(0, start) + text.substring(start).replace("    # ", "    ");
        Path inventory = Files.writeString(repo.resolve("inventories/with-windows.yaml"), uncommented);
        Cli plan = Cli.run("plan", repo.resolve("runbooks/test-failover.yaml").toString(), "-i", inventory.toString(),
                "--vm", "win03");
        assertEquals(0, plan.code(), plan.err());
        assertTrue(plan.out().contains("for VM win03"), plan.out());
    }

    @Test
    void aFolderHoldingOneOfItsFilesIsRefusedAndLeftUntouched() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("ops/runbooks"));
        Files.writeString(repo.resolve("test-failover.yaml"), "# our own test failover\n");
        Files.writeString(dir.resolve("ops/notes.txt"), "notes\n");
        Map<String, String> before = tree(dir.resolve("ops"));

        Cli init = Cli.run("init", dir.resolve("ops").toString());
        assertEquals(2, init.code(), init.out() + init.err());
        assertTrue(init.err().contains(dir.resolve("ops/runbooks/test-failover.yaml") + " exists"), init.err());
        assertTrue(init.err().contains("nothing written"), init.err());
        assertEquals(before, tree(dir.resolve("ops")), "the folder is as it was");
    }

    @Test
    void aFileWhereAFolderGoesIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("ops"));
        Files.writeString(dir.resolve("ops/ci"), "not a folder\n");
        Map<String, String> before = tree(dir.resolve("ops"));
        Cli init = Cli.run("init", dir.resolve("ops").toString());
        assertEquals(2, init.code());
        assertTrue(init.err().contains(dir.resolve("ops/ci") + " exists and is not a folder"), init.err());
        assertEquals(before, tree(dir.resolve("ops")));

        Cli onAFile = Cli.run("init", dir.resolve("ops/ci").toString());
        assertEquals(2, onAFile.code());
        assertTrue(onAFile.err().contains(dir.resolve("ops/ci") + " exists and is not a folder"), onAFile.err());
    }

    @Test
    void aFolderHoldingOtherFilesIsFilledIn() throws Exception {
        Files.createDirectories(dir.resolve("ops/runbooks"));
        Files.writeString(dir.resolve("ops/notes.txt"), "notes\n");
        Files.writeString(dir.resolve("ops/runbooks/site-specific.yaml"), "# ours\n");
        Cli init = Cli.run("init", dir.resolve("ops").toString());
        assertEquals(0, init.code(), init.err());
        assertEquals("notes\n", Files.readString(dir.resolve("ops/notes.txt")));
        assertEquals("# ours\n", Files.readString(dir.resolve("ops/runbooks/site-specific.yaml")));
        assertTrue(Files.isRegularFile(dir.resolve("ops/runbooks/test-failover.yaml")));
    }

    @Test
    void noRunbooksToCopyIsAnErrorThatWritesNothing() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli init = Cli.run("init", dir.resolve("ops").toString(), "--runbooks", empty.toString());
        assertEquals(2, init.code());
        assertTrue(init.err().contains("no runbooks (*.yaml) in " + empty), init.err());
        assertTrue(Files.notExists(dir.resolve("ops")), "nothing written");
    }

    private static String[] prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all.toArray(String[]::new);
    }

    private static List<Path> yamlIn(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /** Every path under {@code root} with its content (folders as "/"), to compare before and after. */
    private static Map<String, String> tree(Path root) throws Exception {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                tree.put(root.relativize(p).toString(), Files.isDirectory(p) ? "/" : Files.readString(p));
            }
        }
        return tree;
    }
}
