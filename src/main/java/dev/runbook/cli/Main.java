package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.exec.JournalException;
import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code runbook}: validate, preview and run DR failover runbooks. */
@Command(name = "runbook", mixinStandardHelpOptions = true, version = "runbook 0.1.0",
        description = "Validate, preview and run declarative DR failover runbooks.",
        subcommands = {ValidateCommand.class, PlanCommand.class, RunCommand.class, ResumeCommand.class,
                DecideCommand.Commit.class, DecideCommand.Rollback.class, StatusCommand.class, ReportCommand.class,
                PrimitivesCommand.class, RulesCommand.class, RenderCommand.class, ServeCommand.class, DemoCommand.class,
                ReplicationCommand.class, UnlockCommand.class, InitCommand.class,
                AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error", "2:invalid input (usage or validation)",
                "3:a blocking precheck failed", "4:a saved plan is stale, or a saved report does not match the journal", "5:a compensation failed",
                "6:refused: a lock or the VM's lifecycle state forbids it", "7:a step failed; its run was compensated"})
public final class Main implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, for example: runbook validate runbooks/*.yaml");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command line with the given streams; used by {@link #main} and by tests. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setExecutionExceptionHandler((e, line, parsed) -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof JournalException j && j.problem() != JournalException.Problem.OTHER) {
                    err.println("runbook: " + j.getMessage());
                    err.println("runbook: to go on, " + j.problem().fix() + j.runId().map(id -> "; then `runbook resume "
                            + id + "` continues run " + id + " from what the journal last recorded").orElse(""));
                    return ExitCodes.of(j.problem());
                }
            }
            err.println("runbook: internal error: " + e);
            if (System.getenv("RUNBOOK_DEBUG") != null) {
                e.printStackTrace(err);
            } else {
                err.println("(set RUNBOOK_DEBUG=1 for the stack trace, and please report it)");
            }
            return ExitCodes.INTERNAL;
        });
        cmd.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cmd.execute(args);
    }
}
