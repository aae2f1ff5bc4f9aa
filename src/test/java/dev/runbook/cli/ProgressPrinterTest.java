package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.exec.Entry;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The terminal progress bar: it reaches every step of the plan, and what matters is printed above it. */
class ProgressPrinterTest {

    @Test
    void theBarCountsEveryStepAndPrintsLifecycleAndFailuresAsLines() throws Exception {
        Plan plan;
        try (Pipeline pipeline = new Pipeline()) {
            plan = pipeline.plan(Path.of("runbooks/test-failover.yaml"), Path.of(ShippedRunbooksTest.INVENTORY),
                    new Planner.Request("web01", Map.of()), null).value().orElseThrow();
        }
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        StringWriter lines = new StringWriter();
        List<String> ids = new ArrayList<>();
        collect(plan.steps(), ids);
        try (ProgressPrinter p = new ProgressPrinter(plan, new PrintStream(terminal, true, StandardCharsets.UTF_8),
                new PrintWriter(lines))) {
            for (String id : ids) {
                p.accept(Entry.of("r1", Entry.Kind.STEP, id, "running", null));
                p.accept(Entry.of("r1", Entry.Kind.STEP, id, "succeeded", null));
            }
            p.accept(Entry.of("r1", Entry.Kind.LIFECYCLE, "web01", "test-failover-active", null));
        }
        String bar = terminal.toString(StandardCharsets.UTF_8);
        int total = ProgressPrinter.countSteps(plan.steps());
        assertTrue(bar.contains(total + "/" + total + " steps"), bar);
        assertTrue(bar.contains("100%"), bar);
        assertTrue(lines.toString().contains("web01 is now test-failover-active"), lines.toString());
        assertFalse(lines.toString().contains("succeeded"), "steps that succeed stay on the bar: " + lines);
    }

    private static void collect(List<Plan.PlannedStep> steps, List<String> into) {
        for (Plan.PlannedStep s : steps) {
            collect(s.children(), into);
            into.add(s.id());
        }
    }
}
