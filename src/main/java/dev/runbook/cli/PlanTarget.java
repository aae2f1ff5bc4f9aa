package dev.runbook.cli;

import dev.runbook.app.Shipped;
import dev.runbook.load.Loaded;
import dev.runbook.load.Loader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourceSpan;
import dev.runbook.plan.SitePlan;
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

    @Parameters(index = "0", paramLabel = "RUNBOOK", description = "The runbook file, or a recovery plan file.")
    Path runbook;

    @Option(names = {"-i", "--inventory"}, required = true, paramLabel = "FILE", description = "The inventory file.")
    Path inventory;

    @Option(names = "--vm", paramLabel = "NAME", description = "The protected VM (its name in the inventory); not for a recovery plan, which names its VMs.")
    String vm;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "An input value; repeatable.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--templates", paramLabel = "DIR", description = "Template folder (default: templates/ beside the runbook's folder).")
    Path templates;

    Loaded<Plan> plan(Pipeline pipeline) {
        if (vm == null) {
            return new Loaded<>(java.util.Optional.empty(), java.util.List.of(Diagnostic.error(
                    SourceSpan.start(runbook.toString()), "missing-vm", "name the VM to plan for with --vm NAME")));
        }
        return pipeline.plan(runbook, inventory, new Planner.Request(vm, sets), templates);
    }

    /** True when the file is a recovery plan, which names its own VMs. */
    boolean recoveryPlan() {
        return Loader.kindOf(runbook).filter(k -> k == Loader.Kind.RECOVERY_PLAN).isPresent();
    }

    /** The recovery plan bound to the inventory, every VM planned. */
    Loaded<SitePlan> sitePlan(Pipeline pipeline) {
        if (vm != null || !sets.isEmpty()) {
            return new Loaded<>(java.util.Optional.empty(), java.util.List.of(Diagnostic.error(
                    SourceSpan.start(runbook.toString()), "usage", "a recovery plan names its VMs and their inputs; "
                            + "drop --vm and --set")));
        }
        return pipeline.recoveryPlan(runbook, inventory, Shipped.runbooks(), templates);
    }
}
