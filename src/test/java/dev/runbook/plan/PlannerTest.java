package dev.runbook.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.load.Loaded;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourceSpan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The planner reached through the pipeline, over the shipped runbooks and the sample inventory: web01
 * (Linux, VMware hardware, BIOS), app02 (Linux, already KVM, UEFI) and win03 (Windows, VMware, UEFI).
 */
class PlannerTest {

    static final Path INVENTORY = Path.of("inventories/sample.yaml");
    static final Path TEST_FAILOVER = Path.of("runbooks/test-failover.yaml");
    static final Path PLANNED_FAILOVER = Path.of("runbooks/planned-failover.yaml");
    /** Steps written out of order, and a guard that reads an earlier step's result. */
    static final Path ORDER = Path.of("src/test/resources/fixtures/plan/order.yaml");

    private static Pipeline pipeline;
    // Planned once and shared, as most tests only read them: planning loads and checks both files.
    private static Plan web01;
    private static Plan app02;
    private static Plan win03;
    private static Plan ordered;

    @BeforeAll
    static void planOnce() {
        pipeline = new Pipeline();
        web01 = plan(TEST_FAILOVER, "web01");
        app02 = plan(TEST_FAILOVER, "app02");
        win03 = plan(TEST_FAILOVER, "win03");
        ordered = plan(ORDER, "web01");
    }

    @AfterAll
    static void closePipeline() {
        pipeline.close();
    }

    private static Loaded<Plan> tryPlan(Path runbook, Path inventory, String vm, Map<String, String> sets) {
        return pipeline.plan(runbook, inventory, new Planner.Request(vm, sets), null);
    }

    private static Plan plan(Path runbook, String vm) {
        return plan(runbook, INVENTORY, vm, Map.of());
    }

    private static Plan plan(Path runbook, Path inventory, String vm, Map<String, String> sets) {
        Loaded<Plan> loaded = tryPlan(runbook, inventory, vm, sets);
        assertFalse(loaded.hasErrors(), () -> loaded.diagnostics().toString());
        return loaded.value().orElseThrow();
    }

    /** A step by id, inside parallel groups too. */
    private static Plan.PlannedStep step(Plan plan, String id) {
        return all(plan.steps()).stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    /** An action by id, inside parallel groups too. */
    private static Plan.PlannedAction action(Plan plan, String id) {
        return (Plan.PlannedAction) step(plan, id);
    }

    private static Plan.PlannedGroup group(Plan plan, String id) {
        return (Plan.PlannedGroup) step(plan, id);
    }

    private static List<Plan.PlannedStep> all(List<Plan.PlannedStep> steps) {
        List<Plan.PlannedStep> out = new ArrayList<>();
        for (Plan.PlannedStep s : steps) {
            out.add(s);
            out.addAll(all(s.children()));
        }
        return out;
    }

    private static List<String> ids(List<Plan.PlannedStep> steps) {
        return steps.stream().map(Plan.PlannedStep::id).toList();
    }

    private static List<String> compensated(Plan plan) {
        return plan.compensation().stream().map(Plan.Compensation::step).toList();
    }

    // Guards

    @Test
    void staticGuardsAreDecidedWhenPlanning() {
        assertEquals(new Plan.Guard("vm.firmware == 'uefi'", "false"), step(web01, "enable-uefi").when());
        assertTrue(step(web01, "enable-uefi").skipped());
        assertEquals("true", step(web01, "adapt-root-disk").when().value());
        assertFalse(step(web01, "adapt-root-disk").skipped());

        assertFalse(step(app02, "enable-uefi").skipped());
        assertTrue(step(app02, "adapt-root-disk").skipped(), "app02 already runs on KVM hardware");
        assertTrue(step(app02, "await-remediation").skipped(), "a guard inside a parallel group is decided too");
    }

    @Test
    void theGuestFamilyPicksTheRemediationToStage() {
        assertTrue(step(win03, "stage-linux-remediation").skipped());
        assertFalse(step(win03, "stage-windows-remediation").skipped());
        assertEquals(2, action(win03, "stage-windows-remediation").scripts().size());
        assertNull(action(win03, "stage-linux-remediation").scripts(), "a skipped step renders nothing");
    }

    @Test
    void aSkippedStepLeavesTheCompensationChain() {
        assertFalse(compensated(web01).contains("enable-uefi"));
        assertFalse(compensated(web01).contains("stage-windows-remediation"));
        assertTrue(compensated(app02).contains("enable-uefi"));
        assertFalse(compensated(app02).contains("adapt-root-disk"));
    }

    @Test
    void aGuardThatReadsAnEarlierResultIsLeftForTheRun() {
        assertEquals(Plan.Guard.AT_RUN_TIME, step(ordered, "adapt").when().value());
        assertFalse(step(ordered, "adapt").skipped());
        assertTrue(compensated(ordered).contains("adapt"), "it may run, so it may need compensating");
    }

    // Deferred expressions

    @Test
    void expressionsKnownOnlyWhileRunningStayAsWrittenAndAreListed() {
        Plan.PlannedAction snapshots = action(web01, "rollback-snapshots");
        assertEquals(List.of("/name"), snapshots.deferred());
        assertEquals("pre-failover-${{ run.id }}", snapshots.with().get("name").textValue());
        assertEquals(List.of("/name"), snapshots.undo().deferred(), "the undo takes the step's own name");

        Plan.Undo restore = action(web01, "switch-compute").undo();
        assertEquals(List.of("/xml"), restore.deferred());
        assertEquals("${{ result.originalXml }}", restore.with().get("xml").textValue());
        assertEquals("ctrl-web01", restore.with().get("domain").textValue(), "static parameters come from the step");
    }

    @Test
    void staticExpressionsAreResolvedWithTheirType() {
        JsonNode compute = action(web01, "switch-compute").with();
        assertTrue(compute.get("vcpus").isIntegralNumber());
        assertEquals(2, compute.get("vcpus").intValue());
        JsonNode disks = action(web01, "rollback-snapshots").with().get("disks");
        assertTrue(disks.isArray());
        assertEquals("/srv/recovery/web01-root.qcow2", disks.get(0).textValue());
        List<String> deferred = action(web01, "switch-compute").deferred();
        assertTrue(deferred == null || deferred.isEmpty(), "nothing is left for the run: " + deferred);
        assertEquals(List.of("vm:web01"), web01.locks());
    }

    @Test
    void aPrecheckFixKeepsItsResultExpressionsForTheRun() {
        var fixes = web01.prechecks().stream().map(Plan.PlannedPrecheck::fix).toList();
        assertTrue(fixes.get(0).contains("${{ result.state }}"), fixes.get(0));
        assertTrue(fixes.stream().anyMatch(f -> f.startsWith("An interrupted sync of web01 left")),
                "a fix that reads no result is resolved: " + fixes);
    }

    // Order and compensation

    @Test
    void compensationRunsInReverseOrderOfTheChanges() {
        assertEquals(List.of("start", "map-test-networks", "reorder-disks", "switch-compute",
                "stage-linux-remediation", "adapt-root-disk", "rollback-snapshots", "stop-controller",
                "stop-exports"), compensated(web01));
        var adapt = web01.compensation().get(5);
        assertEquals("rollback-snapshots", adapt.coveredBy());
        assertNull(adapt.uses());
    }

    @ParameterizedTest
    @ValueSource(strings = {"web01", "app02", "win03"})
    void theChainIsEveryRunningChangeReversed(String vm) {
        Plan plan = plan(PLANNED_FAILOVER, vm);
        List<String> changes = new ArrayList<>(all(plan.steps()).stream()
                .filter(s -> !s.skipped() && s instanceof Plan.PlannedAction a && a.mutates()).map(Plan.PlannedStep::id).toList());
        Collections.reverse(changes);
        assertEquals(changes, compensated(plan));
        var finalSync = plan.compensation().stream().filter(c -> c.step().equals("final-sync")).findFirst();
        assertNotNull(finalSync.orElseThrow().irreversible(), "an irreversible step says why in the chain");
    }

    @Test
    void stepsRunAfterWhatTheyNeed() {
        assertEquals(List.of("stop-exports", "snapshot", "start", "adapt", "validate"), ids(ordered.steps()));
        assertEquals(List.of("1", "2", "3", "4", "5"), ordered.steps().stream().map(Plan.PlannedStep::index).toList());
        Plan.PlannedGroup group = group(ordered, "validate");
        assertEquals(List.of("await-running", "await-remediation"), ids(group.steps()));
        assertEquals(List.of("5.1", "5.2"), group.steps().stream().map(Plan.PlannedStep::index).toList());
        assertEquals(List.of("adapt", "start", "snapshot", "stop-exports"), compensated(ordered));
    }

    @Test
    void stepsWithoutNeedsKeepTheirWrittenOrder() {
        List<String> ids = ids(plan(PLANNED_FAILOVER, "web01").steps());
        assertEquals(List.of("power-off-source", "stop-controller", "final-sync", "stop-exports"), ids.subList(0, 4));
        assertEquals("decide", ids.get(ids.size() - 1));
    }

    // Hash

    @Test
    void theHashIsTheSameForTheSameInput() {
        Plan again = plan(TEST_FAILOVER, "web01");
        assertTrue(web01.hash().matches("sha256:[0-9a-f]{64}"), web01.hash());
        assertEquals(web01.hash(), again.hash());
        assertEquals(web01.hash(), Planner.hash(again));
        try (Pipeline fresh = new Pipeline()) {
            var other = fresh.plan(TEST_FAILOVER, INVENTORY, new Planner.Request("web01", Map.of()), null);
            assertEquals(web01.hash(), other.value().orElseThrow().hash(), "a new sandbox plans the same");
        }
    }

    @Test
    void theHashChangesWithTheVmOrAnInput() {
        assertNotEquals(web01.hash(), app02.hash());
        Plan longer = plan(TEST_FAILOVER, INVENTORY, "web01", Map.of("validateTimeout", "10m"));
        assertNotEquals(web01.hash(), longer.hash());
        assertEquals("10m", action(longer, "await-running").with().get("timeout").textValue());
    }

    @Test
    void theHashCoversTheInventoryContent(@TempDir Path dir) throws IOException {
        Path inventory = dir.resolve("sample.yaml");
        String text = Files.readString(INVENTORY);
        Files.writeString(inventory, text);
        Plan before = plan(TEST_FAILOVER, inventory, "web01", Map.of());
        // Another VM's sizing: web01's steps stay the same, but the plan was made from another inventory.
        Files.writeString(inventory, text.replace("compute: {vcpus: 4, memoryMiB: 8192}",
                "compute: {vcpus: 8, memoryMiB: 8192}"));
        Plan after = plan(TEST_FAILOVER, inventory, "web01", Map.of());
        assertEquals(before.steps(), after.steps());
        assertNotEquals(before.hash(), after.hash());
    }

    /**
     * A pipeline that plans again reuses the inventory it parsed only while the file's text is the same: an
     * edit of the same length, within the same second, is seen.
     */
    @Test
    void aPipelineSeesAnInventoryEditedBetweenTwoPlans(@TempDir Path dir) throws IOException {
        Path inventory = dir.resolve("sample.yaml");
        String text = Files.readString(INVENTORY);
        Files.writeString(inventory, text);
        java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(inventory);
        try (Pipeline pipeline = new Pipeline()) {
            assertEquals(4, pipeline.inventory(inventory).value().orElseThrow().vms().size());
            assertTrue(pipeline.inventory(inventory) == pipeline.inventory(inventory), "parsed again unchanged");
            Files.writeString(inventory, text.replace("compute: {vcpus: 4, memoryMiB: 8192}",
                    "compute: {vcpus: 8, memoryMiB: 8192}"));
            Files.setLastModifiedTime(inventory, mtime);
            assertTrue(pipeline.inventory(inventory).value().orElseThrow().document().text().contains("vcpus: 8,"));
            Files.writeString(inventory, text.replace("name: web01", "name: web 01"));
            assertTrue(pipeline.inventory(inventory).value().isEmpty(), "an invalid edit was not seen");
        }
    }

    // Errors

    @Test
    void anUnknownVmIsALocatedError() throws IOException {
        Loaded<Plan> loaded = tryPlan(TEST_FAILOVER, INVENTORY, "web99", Map.of());
        assertTrue(loaded.value().isEmpty());
        assertEquals(1, loaded.diagnostics().size(), loaded.diagnostics()::toString);
        Diagnostic d = loaded.diagnostics().get(0);
        assertEquals("unknown-vm", d.rule());
        assertTrue(d.isError());
        assertEquals("inventory has no VM 'web99'; VMs: web01, app02, win03, db01", d.message());
        // Placed on the inventory's list of VMs: the line after `vms:`, where the first entry starts.
        int vms = Files.readAllLines(INVENTORY).indexOf("  vms:") + 1;
        assertEquals(new SourceSpan(INVENTORY.toString(), vms + 1, 5), d.span());
    }
}
