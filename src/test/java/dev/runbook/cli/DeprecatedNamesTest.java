package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One name per concept: the protected site and the recovery site. The earlier spellings users may have
 * written still work, each with a located warning that says what to write instead.
 */
class DeprecatedNamesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SAMPLE = Path.of(ShippedRunbooksTest.INVENTORY);

    /** The sample inventory as written before: every VM names its protected site {@code sourceSite}. */
    private static Path earlierInventory(Path dir) throws IOException {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, Files.readString(SAMPLE).replace("protectedSite:", "sourceSite:"));
        return file;
    }

    @Test
    void anInventoryWithSourceSiteValidatesWithAWarningAtEachKey(@TempDir Path dir) throws IOException {
        Path inventory = earlierInventory(dir);
        Cli cli = Cli.run("validate", inventory.toString());
        assertEquals(0, cli.code(), cli.err());
        List<String> expected = new ArrayList<>();
        List<String> lines = Files.readAllLines(inventory);
        for (int i = 0; i < lines.size(); i++) {
            int column = lines.get(i).indexOf("sourceSite:");
            if (column >= 0) {
                expected.add(inventory + ":" + (i + 1) + ":" + (column + 1)
                        + ": warning [deprecated-name]: 'sourceSite' is deprecated; write 'protectedSite'");
            }
        }
        assertEquals(Files.readString(SAMPLE).split("protectedSite:", -1).length - 1, expected.size(), "one per VM");
        assertEquals(expected, cli.err().lines().filter(l -> l.contains("[deprecated-name]")).toList(), cli.err());
        assertTrue(cli.out().contains("ok  " + inventory), cli.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"planned-failover", "failback", "test-failover"})
    void anInventoryWithSourceSitePlansTheSameSteps(String runbook, @TempDir Path dir) throws IOException {
        String file = "runbooks/" + runbook + ".yaml";
        JsonNode now = plan(file, SAMPLE.toString());
        JsonNode before = plan(file, earlierInventory(dir).toString());
        for (String part : List.of("locks", "prechecks", "steps", "finallySteps", "compensation", "bindings")) {
            assertEquals(now.get(part), before.get(part), part);
        }
        assertNotEquals(now.at("/inventory/sha256"), before.at("/inventory/sha256"));
    }

    @Test
    void bothNamesInOneVmAreALocatedError(@TempDir Path dir) throws IOException {
        Path inventory = dir.resolve("inventory.yaml");
        Files.writeString(inventory, Files.readString(SAMPLE).replaceFirst("protectedSite: protected",
                "protectedSite: protected\n      sourceSite: protected"));
        int web01 = Files.readAllLines(inventory).indexOf("    - name: web01") + 1;
        Cli cli = Cli.run("validate", inventory.toString());
        assertEquals(2, cli.code(), cli.err());
        assertTrue(cli.err().contains(inventory + ":" + web01 + ":7: error [shape]: vms[0] must have exactly one of "
                + "protectedSite, sourceSite, but has both protectedSite and sourceSite; 'sourceSite' is the deprecated "
                + "spelling of 'protectedSite': remove it"), cli.err());
    }

    private static JsonNode plan(String runbook, String inventory) throws IOException {
        List<String> args = new ArrayList<>(List.of("plan", runbook, "-i", inventory, "--vm", "web01", "-f", "json"));
        if (Files.readString(Path.of(runbook)).contains("failoverRun:")) {
            args.addAll(List.of("--set", "failoverRun=run-1"));
        }
        Cli cli = Cli.run(args.toArray(String[]::new));
        assertEquals(0, cli.code(), cli.err());
        return JSON.readTree(cli.out());
    }
}
