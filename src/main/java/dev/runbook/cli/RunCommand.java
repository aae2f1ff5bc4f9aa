package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.Ended;
import dev.runbook.app.Runs;
import dev.runbook.load.Loader;
import dev.runbook.app.SiteAdapters;
import dev.runbook.exec.Drift;
import dev.runbook.exec.Journal;
import dev.runbook.load.BoundedFile;
import dev.runbook.plan.JsonPreview;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import dev.runbook.primitive.PrimitiveException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runbook run}: executes a runbook for one VM, or a saved plan exactly, journaling every transition. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Execute a runbook for one VM (or a saved plan, exactly): prechecks, then the steps; on "
                + "failure the compensations in reverse order. Every transition is journaled first.")
final class RunCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "RUNBOOK",
                description = "The runbook file, or a recovery plan file (which names its VMs).")
        Path runbook;

        @Option(names = "--plan", paramLabel = "FILE", description = "A plan saved by `runbook plan --out`; refused when stale.")
        Path plan;
    }

    @Option(names = {"-i", "--inventory"}, paramLabel = "FILE", description = "The inventory file (with RUNBOOK).")
    Path inventory;

    @Option(names = "--vm", paramLabel = "NAME", description = "The protected VM (with RUNBOOK).")
    String vm;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "An input value; repeatable.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--templates", paramLabel = "DIR", description = "Template folder (default: templates/ beside the runbook's folder).")
    Path templates;

    /** How text output shows progress. */
    enum Progress { auto, bar, lines }

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "Text output: a live progress bar (bar), one line per event (lines), or a bar only when "
                    + "attached to a terminal (auto, the default).")
    Progress progress;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "Events as text lines or one JSON object per line: text, json.")
    String output;

    @Option(names = "--only-ready",
            description = "Recovery plans: run the VMs whose prechecks pass and report the others, rather than stop.")
    boolean onlyReady;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "The longest the run may take up to its end or its decision point (e.g. 2h); steps past it are cancelled.")
    String timeout;

    @Mixin
    JournalOptions where;

    @Override
    public Integer call() throws IOException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (Pipeline pipeline = new Pipeline()) {
            if (what.runbook != null && Loader.kindOf(what.runbook).filter(k -> k == Loader.Kind.RECOVERY_PLAN).isPresent()) {
                return recoveryPlan(pipeline, out, err);
            }
            Plan plan;
            Path runbookFile;
            Path inventoryFile;
            if (what.plan != null) {
                try {
                    plan = JsonPreview.read(BoundedFile.read(what.plan));
                } catch (BoundedFile.Refused e) {
                    err.println(what.plan + ":1:1: error [" + e.rule() + "]: " + e.getMessage());
                    return ExitCodes.INVALID;
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    var at = e.getLocation();
                    err.println(what.plan + ":" + (at == null ? "1:1" : at.getLineNr() + ":" + at.getColumnNr())
                            + ": error [plan]: not a plan saved by `runbook plan --out`; make one and run that");
                    return ExitCodes.INVALID;
                }
                runbookFile = Path.of(plan.runbook().file());
                inventoryFile = Path.of(plan.inventory().file());
                List<String> drift = drift(pipeline, plan, runbookFile, inventoryFile);
                if (!drift.isEmpty()) {
                    err.println("runbook: refused: the saved plan " + what.plan + " is stale:\n  - " + String.join("\n  - ", drift)
                            + "\nMake a new plan with `runbook plan ... --out`, review it, and run that.");
                    return ExitCodes.STALE_PLAN;
                }
            } else {
                if (inventory == null || vm == null) {
                    err.println("runbook: run RUNBOOK needs --inventory FILE and --vm NAME");
                    return ExitCodes.INVALID;
                }
                runbookFile = what.runbook;
                inventoryFile = inventory;
                var loaded = pipeline.plan(runbookFile, inventoryFile, new Planner.Request(vm, sets), templates);
                if (Report.print(loaded.diagnostics(), err) || loaded.value().isEmpty()) {
                    return ExitCodes.INVALID;
                }
                plan = loaded.value().get();
            }
            boolean bar = output.equals("text") && (progress == Progress.bar || (progress == Progress.auto && ProgressPrinter.terminal()));
            ProgressPrinter printer = bar ? new ProgressPrinter(plan, System.out, out) : null;
            try (Journal journal = where.open()) {
                journal.subscribe(printer != null ? printer : new EventPrinter(out, output.equals("json")));
                java.time.Duration limit;
                try {
                    limit = timeout == null ? null : dev.runbook.model.Durations.parse(timeout);
                } catch (IllegalArgumentException e) {
                    err.println("runbook: --timeout '" + timeout + "' is not a duration like 90s, 30m or 2h");
                    return ExitCodes.INVALID;
                }
                Ended outcome = new Runs(journal, where.file())
                        .start(plan, runbookFile, inventoryFile, pipeline.expressions(), limit, id -> { });
                if (printer != null) {
                    printer.close();
                }
                return new Console(out, err).end(outcome);
            }
        } catch (PrimitiveException e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
    }

    /** A recovery plan: one run for the plan, a child run per VM, in this journal. */
    private int recoveryPlan(Pipeline pipeline, java.io.PrintWriter out, java.io.PrintWriter err) {
        if (inventory == null || vm != null || !sets.isEmpty()) {
            err.println("runbook: run PLAN needs --inventory FILE; a recovery plan names its VMs and their inputs "
                    + "(no --vm, no --set)");
            return ExitCodes.INVALID;
        }
        var loaded = pipeline.recoveryPlan(what.runbook, inventory, dev.runbook.app.Shipped.runbooks(), templates);
        if (Report.print(loaded.diagnostics(), err) || loaded.value().isEmpty()) {
            return ExitCodes.INVALID;
        }
        try (Journal journal = where.open()) {
            journal.subscribe(new EventPrinter(out, output.equals("json")));
            Console console = new Console(out, err);
            Ended outcome = new Runs(journal, where.file()).startPlan(loaded.value().get(), what.runbook, inventory,
                    pipeline.expressions(), onlyReady, id -> { }, console);
            return console.end(outcome);
        }
    }

    private List<String> drift(Pipeline pipeline, Plan saved, Path runbookFile, Path inventoryFile) throws PrimitiveException {
        List<String> out = new ArrayList<>();
        for (Path f : List.of(runbookFile, inventoryFile)) {
            if (!Files.isRegularFile(f)) {
                out.add(f + " named by the plan no longer exists (run from the folder the plan was made in)");
            }
        }
        if (!out.isEmpty()) {
            return out;
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        saved.inputs().forEach((k, v) -> inputs.put(k, v.isTextual() ? v.asText() : v.toString()));
        var fresh = pipeline.plan(runbookFile, inventoryFile, new Planner.Request(saved.vm(), inputs), templates);
        if (fresh.value().isEmpty()) {
            out.add("the runbook or the inventory no longer plans without errors:");
            fresh.diagnostics().forEach(d -> out.add("  " + d));
            return out;
        }
        out.addAll(Drift.between(saved, fresh.value().get()));
        if (out.isEmpty()) {
            try {
                out.addAll(Drift.live(saved, SiteAdapters.forBindings(saved.bindings())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.add("interrupted while observing the live state");
            }
        }
        return out;
    }
}
