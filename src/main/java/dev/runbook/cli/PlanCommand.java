package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.plan.Pipeline;

import dev.runbook.exec.Drift;
import dev.runbook.plan.JsonPreview;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.app.SiteAdapters;
import dev.runbook.plan.MermaidPreview;
import dev.runbook.plan.Plan;
import dev.runbook.plan.SitePreview;
import dev.runbook.plan.TextPreview;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runbook plan}: the dry-run preview of a runbook for one VM. Changes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Show what a runbook would do for one VM: every step with its resolved parameters, the "
                + "guards, the compensation chain and the rendered guest scripts. Changes nothing.")
final class PlanCommand implements Callable<Integer> {

    enum Format { text, json, mermaid }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    PlanTarget target;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--show-scripts", description = "In text output, list guest scripts by path and hash only instead of in full.")
    boolean scriptsByHash;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Also save the plan as JSON, for `run --plan`.")
    Path outFile;

    @Override
    public Integer call() throws IOException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (Pipeline pipeline = new Pipeline()) {
            if (target.recoveryPlan()) {
                var site = target.sitePlan(pipeline);
                if (Report.print(site.diagnostics(), err) || site.value().isEmpty()) {
                    return ExitCodes.INVALID;
                }
                if (outFile != null) {
                    Files.writeString(outFile, SitePreview.json(site.value().get()));
                    err.println("plan saved to " + outFile + " (" + site.value().get().hash() + ")");
                }
                out.print(format == Format.json ? SitePreview.json(site.value().get()) : SitePreview.text(site.value().get()));
                out.flush();
                return ExitCodes.OK;
            }
            var loaded = target.plan(pipeline);
            if (Report.print(loaded.diagnostics(), err) || loaded.value().isEmpty()) {
                return ExitCodes.INVALID;
            }
            Plan plan = loaded.value().get();
            if (outFile != null) {
                plan = observed(plan, err);
                Files.writeString(outFile, JsonPreview.render(plan));
                err.println("plan saved to " + outFile + " (" + plan.hash() + ")");
            }
            out.print(switch (format) {
                case text -> TextPreview.render(plan, !scriptsByHash);
                case json -> JsonPreview.render(plan);
                case mermaid -> MermaidPreview.render(plan);
            });
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** A saved plan records the live state its prechecks see, so that running it later notices drift. */
    private static Plan observed(Plan plan, java.io.PrintWriter err) {
        try {
            return plan.withObserved(Drift.observe(plan, SiteAdapters.forBindings(plan.bindings())));
        } catch (PrimitiveException e) {
            err.println("note: live state not recorded in the plan: " + e.getMessage());
            return plan;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return plan;
        }
    }
}
