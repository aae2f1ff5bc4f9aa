package dev.runbook.cli;

import dev.runbook.exec.Engine;
import dev.runbook.exec.Journal;
import dev.runbook.exec.LifecycleRecord;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunState;
import dev.runbook.model.Operation;
import dev.runbook.plan.Pipeline;
import dev.runbook.primitive.PrimitiveException;
import java.nio.file.Path;
import java.util.Optional;
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

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "Events as text or json lines.")
    String output;

    @Mixin
    JournalOptions where;

    abstract Operation.Outcome outcome();

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (Journal journal = where.open(); Pipeline pipeline = new Pipeline()) {
            Optional<RunRecord> found = Runs.find(journal, runId, where, err);
            if (found.isEmpty()) {
                return ExitCodes.INVALID;
            }
            RunRecord r = found.get();
            Operation wanted = outcome() == Operation.Outcome.COMMIT ? Operation.COMMIT : Operation.ROLLBACK;
            LifecycleRecord life = journal.lifecycle(r.vm());
            boolean allowed = wanted.from().stream().anyMatch(s -> s.id().equals(life.state()));
            if (!allowed || (life.runId() != null && !life.runId().equals(runId))) {
                err.println("runbook: refused: " + refusal(wanted, r, life));
                return ExitCodes.REFUSED;
            }
            journal.subscribe(new EventPrinter(out, output.equals("json")));
            Operation.Outcome outcome = outcome();
            if (r.state().equals(RunState.AWAITING_DECISION.id())) {
                Engine engine = Runs.engine(journal, Engine.plan(r), where, pipeline.expressions());
                String who = by != null ? by : dev.runbook.exec.Options.whoAmI();
                Engine.Decided d = engine.decide(runId, outcome, who);
                if (d.result().refused()) {
                    return Runs.end(d.result(), out, err);
                }
                if (d.outcome() != outcome) {
                    err.println("runbook: the decision timed out before this " + outcome + ": " + d.reason());
                }
                outcome = d.outcome();
                if (outcome == Operation.Outcome.COMMIT && d.result().state() != RunState.COMPLETED) {
                    return Runs.end(d.result(), out, err);
                }
            }
            return Runs.continueWith(outcome, r, outcome == outcome() ? runbook : null, journal, where, out, err);
        } catch (PrimitiveException e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
    }

    private static String refusal(Operation wanted, RunRecord r, LifecycleRecord life) {
        boolean allowed = wanted.from().stream().anyMatch(s -> s.id().equals(life.state()));
        if (allowed) {
            return r.vm() + " is " + life.state() + " because of run " + life.runId() + ", not run " + r.id();
        }
        if (wanted == Operation.ROLLBACK && life.state().equals("committed")) {
            return r.vm() + " was committed by run " + life.runId() + "; commit is final, so normal rollback is no"
                    + " longer available; move production back with a failback: reprotect it (runbooks/reprotect.yaml),"
                    + " then fail back";
        }
        if (wanted == Operation.COMMIT && life.state().equals("test-failover-active")) {
            return r.vm() + " is test-failover-active: a test failover is never committed; roll it back with"
                    + " `runbook rollback " + r.id() + "`";
        }
        return wanted.id() + " is only possible while " + r.vm() + " is "
                + String.join(" or ", wanted.from().stream().map(s -> s.id()).toList()) + "; it is " + life.state()
                + " (run " + r.id() + " is " + r.state() + ")";
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
