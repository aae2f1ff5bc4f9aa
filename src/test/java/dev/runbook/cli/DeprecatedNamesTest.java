package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.app.ExitCodes;
import dev.runbook.plan.JsonPreview;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @Test
    void aRunbookReadingSiteWarnsAtEachExpressionAndPlansTheSameSteps(@TempDir Path dir) throws IOException {
        String shipped = "runbooks/test-failover.yaml";
        Path runbook = Files.createDirectories(dir.resolve("runbooks")).resolve("test-failover.yaml");
        Files.writeString(runbook, Files.readString(Path.of(shipped)).replace("recoverySite.", "site."));
        List<String> lines = Files.readAllLines(runbook);
        List<Integer> reading = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches(".*[^\\w.]site\\..*")) {
                reading.add(i + 1);
            }
        }
        assertTrue(reading.size() >= 5, reading::toString);

        Cli validate = Cli.run("validate", runbook.toString());
        assertEquals(0, validate.code(), validate.err());
        assertEquals(reading, warnedLines(validate.err(), runbook, "'site' is deprecated; write 'recoverySite'"));

        List<String> args = List.of("plan", runbook.toString(), "-i", SAMPLE.toString(), "--vm", "web01", "-f", "json");
        Cli plan = Cli.run(args.toArray(String[]::new));
        assertEquals(0, plan.code(), plan.err());
        assertEquals(reading, warnedLines(plan.err(), runbook, "'site' is deprecated; write 'recoverySite'"));
        JsonNode before = JSON.readTree(plan.out());
        JsonNode now = plan(shipped, SAMPLE.toString());
        for (String part : List.of("prechecks", "steps", "compensation", "bindings")) {
            assertEquals(now.get(part).toString().replace("recoverySite.", "site."), before.get(part).toString(), part);
        }
    }

    @Test
    void aTemplateReadingSiteWarnsWhereItReadsAndRendersTheSame(@TempDir Path dir) throws IOException {
        Path runbook = Files.createDirectories(dir.resolve("runbooks")).resolve("test-failover.yaml");
        Files.copy(Path.of("runbooks/test-failover.yaml"), runbook);
        try (var shipped = Files.walk(Path.of("templates"))) {
            for (Path from : shipped.filter(Files::isRegularFile).toList()) {
                Path to = dir.resolve(from.toString());
                Files.createDirectories(to.getParent());
                Files.copy(from, to);
            }
        }
        Path firstboot = dir.resolve("templates/linux/firstboot.sh.ftl");
        String text = Files.readString(firstboot);
        String anchor = "VM_NAME=[=guest.name]\n";
        Files.writeString(firstboot, text.replace(anchor, anchor + "SITES=[=recoverySite.name][=protectedSite.name]\n"));
        String[] args = {"plan", runbook.toString(), "-i", SAMPLE.toString(), "--vm", "web01", "-f", "json"};
        Cli now = Cli.run(args);
        assertEquals(0, now.code(), now.err());
        assertEquals("", now.err());

        Files.writeString(firstboot, text.replace(anchor, anchor + "SITES=[=site.name][=sourceSite.name]\n"));
        Cli before = Cli.run(args);
        assertEquals(0, before.code(), before.err());
        int line = text.lines().toList().indexOf("VM_NAME=[=guest.name]") + 2;
        assertEquals(List.of(
                firstboot + ":" + line + ":7: warning [deprecated-name]: 'site' is deprecated; write 'recoverySite'",
                firstboot + ":" + line + ":19: warning [deprecated-name]: 'sourceSite' is deprecated; write 'protectedSite'"),
                before.err().lines().filter(l -> l.contains("[deprecated-name]")).toList(), before.err());
        JsonNode script = JSON.readTree(now.out()).at("/steps");
        assertEquals(script, JSON.readTree(before.out()).at("/steps"), "the same scripts, rendered the same");
        assertTrue(script.toString().contains("SITES='recovery''protected'"), script.toString());
    }

    /** The lines of {@code file} with a deprecated-name warning saying {@code message}, each placed on its name. */
    private static List<Integer> warnedLines(String err, Path file, String message) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Integer> out = new ArrayList<>();
        for (String line : err.lines().toList()) {
            String[] at = line.split(":", 4);
            if (line.startsWith(file + ":") && line.contains("[deprecated-name]")) {
                assertTrue(line.endsWith("warning [deprecated-name]: " + message), line);
                int number = Integer.parseInt(at[1]);
                int column = Integer.parseInt(at[2]);
                String name = message.substring(1, message.indexOf('\'', 1));
                assertTrue(lines.get(number - 1).startsWith(name + ".", column - 1), "not placed on the name: " + line);
                out.add(number);
            }
        }
        return out;
    }

    @Test
    void aPlanSavedWithTheSitesEarlierKeysIsRefusedAsStaleSayingWhy(@TempDir Path dir) throws IOException {
        Path saved = dir.resolve("plan.json");
        Cli made = Cli.run("plan", "runbooks/test-failover.yaml", "-i", SAMPLE.toString(), "--vm", "app02", "--out",
                saved.toString());
        assertEquals(0, made.code(), made.err());
        // As an earlier version saved it: the same plan with the sites bound as `site` and `sourceSite`.
        Plan now = JsonPreview.read(Files.readString(saved));
        Map<String, JsonNode> bindings = new LinkedHashMap<>();
        now.bindings().forEach((k, v) -> bindings.put(Map.of("recoverySite", "site", "protectedSite", "sourceSite")
                .getOrDefault(k, k), v));
        Plan earlier = new Plan(now.planVersion(), now.runbook(), now.inventory(), now.vm(), now.operation(),
                now.lifecycle(), now.inputs(), now.locks(), now.prechecks(), now.steps(), now.finallySteps(),
                now.compensation(), bindings, now.observed(), null);
        Files.writeString(saved, JsonPreview.render(earlier.withHash(Planner.hash(earlier))));

        Cli run = Cli.run("run", "--plan", saved.toString(), "--journal", dir.resolve("journal.db").toString());
        assertEquals(ExitCodes.STALE_PLAN, run.code(), run.err());
        assertTrue(run.err().contains("the plan was saved by an earlier version of runbook, which bound the sites as "
                + "'site' and 'sourceSite' (now 'recoverySite' and 'protectedSite')"), run.err());
        assertTrue(run.err().contains("Make a new plan"), run.err());
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
