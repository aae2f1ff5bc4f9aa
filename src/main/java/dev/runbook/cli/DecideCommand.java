package dev.runbook.cli;

import dev.runbook.exec.Journal;
import dev.runbook.model.Operation;
import dev.runbook.app.Runs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook commit RUN} and {@code runbook rollback RUN}: the operator's decision on a failover. */
abstract class DecideCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "The failover run.")
    String runId;

    @Option(names = "--runbook", paramLabel = "FILE",
            description = "The runbook that performs it (default: beside the decided run's runbook, <operation>-commit.yaml or -rollback.yaml when there is one, else commit.yaml or rollback.yaml).")
    Path runbook;

    @Option(names = "--by", paramLabel = "NAME", description = "Who decides (default: user@host).")
    String by;

    @Option(names = "--vm", paramLabel = "NAME",
            description = "For a recovery plan run: decide this VM only; repeatable (default: every VM awaiting it).")
    java.util.List<String> vms = new java.util.ArrayList<>();

    @Option(names = "--accept-remediation",
            description = "Commit although the decision's commitWhen gate (remediation succeeded or not needed, in the"
                    + " shipped runbooks) does not hold; recorded with who and when.")
    boolean acceptRemediation;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "Events as text or json lines.")
    String output;

    @Mixin
    JournalOptions where;

    abstract Operation.Outcome outcome();

    @Override
    public Integer call() {
        Console console = new Console(spec.commandLine().getOut(), spec.commandLine().getErr());
        try (Journal journal = where.open()) {
            journal.subscribe(new EventPrinter(spec.commandLine().getOut(), output.equals("json")));
            return console.end(new Runs(journal, where.file()).decide(runId, outcome(), vms, by, runbook,
                    acceptRemediation, console));
        }
    }

    @Command(name = "commit", mixinStandardHelpOptions = true,
            description = "Commit a planned or live failover, or a failback, awaiting its decision: final; normal rollback is no longer available.")
    static final class Commit extends DecideCommand {
        @Override
        Operation.Outcome outcome() {
            return Operation.Outcome.COMMIT;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Roll back a test failover, or a planned or live failover before commit: its recorded "
                    + "changes are undone in reverse order and the target returns to replication mode.")
    static final class Rollback extends DecideCommand {
        @Override
        Operation.Outcome outcome() {
            return Operation.Outcome.ROLLBACK;
        }
    }
}
