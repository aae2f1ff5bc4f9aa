package dev.runbook.cli;

import dev.runbook.app.Runs;
import dev.runbook.exec.Journal;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook resume RUN}: continues an interrupted run, or applies a decision's timeout. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Continue an interrupted run from its journal: a step found running is re-run only when its "
                + "primitive is idempotent, otherwise the site is asked whether it took effect. Retries failed "
                + "compensations. A decision past its deadline takes its onTimeout outcome; a commit or rollback decided "
                + "but never started is started.")
final class ResumeCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "The run id.")
    String runId;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "Events as text or json lines.")
    String output;

    @Mixin
    JournalOptions where;

    @Override
    public Integer call() {
        Console console = new Console(spec.commandLine().getOut(), spec.commandLine().getErr());
        try (Journal journal = where.open()) {
            journal.subscribe(new EventPrinter(spec.commandLine().getOut(), output.equals("json")));
            return console.end(new Runs(journal, where.file()).resume(runId, console));
        }
    }
}
