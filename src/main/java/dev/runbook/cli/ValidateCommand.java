package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.Shipped;
import dev.runbook.plan.Pipeline;

import dev.runbook.load.Loader;
import dev.runbook.model.Diagnostic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook validate FILE...}: checks runbooks and inventories, reporting every problem. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check runbooks and inventories: YAML, schema, and semantic rules. Reports every problem "
                + "as file:line:column; exits 2 when any is an error.")
final class ValidateCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Runbook, inventory or recovery plan files (the kind is read from the file).")
    List<Path> files;

    @Option(names = "--templates", paramLabel = "DIR", description = "Template folder (default: templates/ beside the runbook's folder).")
    Path templates;

    @Option(names = {"-i", "--inventory"}, paramLabel = "FILE",
            description = "For recovery plans: the inventory to bind them to, so that their VMs, dependencies and "
                    + "runbooks are checked too (without it, only their shape is).")
    Path inventory;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        List<Diagnostic> all = new ArrayList<>();
        int valid = 0;
        try (Pipeline pipeline = new Pipeline()) {
            for (Path file : files) {
                var kind = Loader.kindOf(file).orElse(Loader.Kind.RUNBOOK);
                var diagnostics = switch (kind) {
                    case INVENTORY -> pipeline.inventory(file).diagnostics();
                    case RUNBOOK -> pipeline.runbook(file, templates).diagnostics();
                    case RECOVERY_PLAN -> inventory == null ? Loader.recoveryPlan(file).diagnostics()
                            : pipeline.recoveryPlan(file, inventory, Shipped.runbooks(), templates).diagnostics();
                };
                all.addAll(diagnostics);
                if (diagnostics.stream().noneMatch(Diagnostic::isError)) {
                    valid++;
                    out.println("ok  " + file);
                }
            }
        }
        out.flush();
        boolean errors = Report.print(all, err);
        if (errors) {
            err.println((files.size() - valid) + " of " + files.size() + " files invalid");
        }
        return errors ? ExitCodes.INVALID : ExitCodes.OK;
    }
}
