package dev.runbook.cli;

import dev.runbook.load.Loaded;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What a command plans: a runbook for one VM of an inventory, with inputs and the template folder. */
final class PlanTarget {

    @Parameters(index = "0", paramLabel = "RUNBOOK", description = "The runbook file.")
    Path runbook;

    @Option(names = {"-i", "--inventory"}, required = true, paramLabel = "FILE", description = "The inventory file.")
    Path inventory;

    @Option(names = "--vm", required = true, paramLabel = "NAME", description = "The protected VM (its name in the inventory).")
    String vm;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "An input value; repeatable.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--templates", paramLabel = "DIR", description = "Template folder (default: templates/ beside the runbook's folder).")
    Path templates;

    Loaded<Plan> plan(Pipeline pipeline) {
        return pipeline.plan(runbook, inventory, new Planner.Request(vm, sets), templates);
    }
}
