package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The shipped runbooks validate, and plan for every VM of the sample inventory. */
class ShippedRunbooksTest {

    static final String INVENTORY = "inventories/sample.yaml";
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> runbooksAndVms() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (var files = Files.list(Path.of("runbooks"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (String vm : List.of("web01", "app02", "win03")) {
                    out.add(Arguments.of(p.toString(), vm));
                }
            }
        }
        return out.stream();
    }

    @Test
    void everyShippedFileValidates() throws IOException {
        List<String> args = new ArrayList<>(List.of("validate"));
        try (var files = Files.list(Path.of("runbooks"))) {
            files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(f -> args.add(f.toString()));
        }
        args.add(INVENTORY);
        assertEquals(10, args.size(), "eight runbooks and the sample inventory");
        Cli cli = Cli.run(args.toArray(String[]::new));
        assertEquals(0, cli.code(), cli.err());
        assertEquals("", cli.err());
    }

    @ParameterizedTest
    @MethodSource("runbooksAndVms")
    void plansForEveryVm(String runbook, String vm) throws IOException {
        List<String> args = new ArrayList<>(List.of("plan", runbook, "--inventory", INVENTORY, "--vm", vm, "--format", "json"));
        if (Files.readString(Path.of(runbook)).contains("failoverRun:")) {
            args.addAll(List.of("--set", "failoverRun=run-1"));
        }
        Cli cli = Cli.run(args.toArray(String[]::new));
        assertEquals(0, cli.code(), cli.err());
        JsonNode plan = JSON.readTree(cli.out());
        assertEquals(vm, plan.get("vm").asText());
        assertTrue(plan.get("hash").asText().matches("sha256:[0-9a-f]{64}"));
        assertTrue(plan.get("steps").size() > 0);
        assertFalse(plan.get("steps").toString().contains("${{ vm."), "static expressions are resolved: " + cli.out());
    }

    @Test
    void testFailoverOfLinuxStaticVmPlansStepsUndoChainScriptsAndHash() throws IOException {
        Cli cli = Cli.run("plan", "runbooks/test-failover.yaml", "--inventory", INVENTORY, "--vm", "web01",
                "--format", "json");
        assertEquals(0, cli.code(), cli.err());
        JsonNode plan = JSON.readTree(cli.out());
        assertEquals("test-failover", plan.get("operation").asText());
        assertEquals("test-failover-active", plan.at("/lifecycle/to").asText());
        List<String> ids = new ArrayList<>();
        plan.get("steps").forEach(s -> ids.add(s.get("id").asText()));
        // The seeds' rollback-aware order: exports stopped and snapshots taken before any disk change.
        assertTrue(ids.indexOf("stop-exports") < ids.indexOf("rollback-snapshots"));
        assertTrue(ids.indexOf("rollback-snapshots") < ids.indexOf("adapt-root-disk"));
        assertTrue(ids.indexOf("stop-controller") < ids.indexOf("switch-compute"));
        // A running controller holds its replica disks open: it stops before they are snapshotted or adapted,
        // so that the revert, undone in reverse order, also happens before it starts again.
        assertTrue(ids.indexOf("stop-controller") < ids.indexOf("rollback-snapshots"));
        assertTrue(ids.indexOf("map-test-networks") < ids.indexOf("start"));
        // The test network override is applied.
        JsonNode map = plan.get("steps").get(ids.indexOf("map-test-networks"));
        assertEquals("dr-test-isolated", map.at("/with/nics/0/network").asText());
        // Compensation runs in reverse and ends by restarting the exports.
        JsonNode chain = plan.get("compensation");
        assertEquals("start", chain.get(0).get("step").asText());
        assertEquals("replication.start-export", chain.get(chain.size() - 1).get("uses").asText());
        // Run-time values stay as written and are listed as deferred.
        JsonNode snap = plan.get("steps").get(ids.indexOf("rollback-snapshots"));
        assertEquals("pre-failover-${{ run.id }}", snap.at("/with/name").asText());
        assertEquals("/name", snap.at("/deferred/0").asText());
        // The Linux first-boot script is rendered for the captured static address and MAC.
        JsonNode stage = plan.get("steps").get(ids.indexOf("stage-linux-remediation"));
        String script = stage.at("/scripts/0/content").asText();
        assertTrue(script.contains("cidr='10.10.0.21/24'"), script);
        assertTrue(script.contains("mac='52:54:00:10:00:01'"), script);
        assertTrue(plan.get("steps").get(ids.indexOf("stage-windows-remediation")).get("skipped").asBoolean());
    }

    @Test
    void hashIsStableAndFollowsInputs() {
        String[] base = {"plan", "runbooks/test-failover.yaml", "-i", INVENTORY, "--vm", "web01", "-f", "json"};
        String a = hash(Cli.run(base));
        String b = hash(Cli.run(base));
        String[] changed = Stream.concat(Stream.of(base), Stream.of("--set", "validateTimeout=9m")).toArray(String[]::new);
        assertEquals(a, b);
        assertFalse(a.equals(hash(Cli.run(changed))));
    }

    private static String hash(Cli cli) {
        try {
            return JSON.readTree(cli.out()).get("hash").asText();
        } catch (IOException e) {
            throw new AssertionError(cli.err(), e);
        }
    }

    @Test
    void compatibleHardwareSkipsGuestAdaptation() throws IOException {
        Cli cli = Cli.run("plan", "runbooks/test-failover.yaml", "-i", INVENTORY, "--vm", "app02", "-f", "json");
        JsonNode plan = JSON.readTree(cli.out());
        for (JsonNode s : plan.get("steps")) {
            if (s.get("id").asText().startsWith("adapt") || s.get("id").asText().startsWith("stage")) {
                assertTrue(s.get("skipped").asBoolean(), s.toString());
                assertEquals("false", s.at("/when/value").asText());
            }
        }
    }

    @Test
    void goldenTextPreview() throws IOException {
        Cli cli = Cli.run("plan", "runbooks/test-failover.yaml", "-i", INVENTORY, "--vm", "web01");
        assertEquals(0, cli.code(), cli.err());
        Path golden = Path.of("src/test/resources/golden/test-failover.web01.plan.txt");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, cli.out());
        }
        assertTrue(Files.exists(golden), "golden file missing; create it with -Dgolden.update=true");
        assertEquals(Files.readString(golden), cli.out(), "update with -Dgolden.update=true after an intended change");
    }

    @Test
    void mermaidPreviewDrawsUndoEdges() {
        Cli cli = Cli.run("plan", "runbooks/planned-failover.yaml", "-i", INVENTORY, "--vm", "win03", "-f", "mermaid");
        assertEquals(0, cli.code(), cli.err());
        assertTrue(cli.out().startsWith("flowchart TD"));
        assertTrue(cli.out().contains("s_start -.-> s_start_undo"), cli.out());
        assertTrue(cli.out().contains("s_decide{"), cli.out());
    }

    @Test
    void missingInputsAndUnknownVmAreLocatedErrors() {
        Cli noRun = Cli.run("plan", "runbooks/commit.yaml", "-i", INVENTORY, "--vm", "web01");
        assertEquals(2, noRun.code());
        assertTrue(noRun.err().matches("(?s)runbooks/commit.yaml:\\d+:\\d+: error \\[input\\]: input 'failoverRun' is required.*"),
                noRun.err());
        Cli noVm = Cli.run("plan", "runbooks/test-failover.yaml", "-i", INVENTORY, "--vm", "nope");
        assertEquals(2, noVm.code());
        assertTrue(noVm.err().contains("inventories/sample.yaml:"), noVm.err());
        assertTrue(noVm.err().contains("no VM 'nope'; VMs: web01, app02, win03"), noVm.err());
    }

    @Test
    void usageErrorsExitTwoAndHelpWorks() {
        assertEquals(2, Cli.run("plan", "runbooks/test-failover.yaml").code());
        assertEquals(2, Cli.run("frobnicate").code());
        Cli help = Cli.run("plan", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--inventory"));
        Cli completion = Cli.run("generate-completion");
        assertEquals(0, completion.code());
        assertTrue(completion.out().contains("complete -F"), completion.out().substring(0, 200));
    }

    @Test
    void savedPlanRoundTrips(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path out = dir.resolve("plan.json");
        Cli cli = Cli.run("plan", "runbooks/planned-failover.yaml", "-i", INVENTORY, "--vm", "web01", "-f", "json",
                "--out", out.toString());
        assertEquals(0, cli.code(), cli.err());
        var plan = dev.runbook.plan.JsonPreview.read(Files.readString(out));
        assertEquals(JSON.readTree(cli.out()).get("hash").asText(), plan.hash());
        assertEquals(plan.hash(), dev.runbook.plan.Planner.hash(plan), "the hash is recomputable from the saved plan");
    }
}
