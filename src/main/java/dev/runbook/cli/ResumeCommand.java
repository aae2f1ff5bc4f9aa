package dev.runbook.cli;

import dev.runbook.exec.Engine;
import dev.runbook.exec.Journal;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunState;
import dev.runbook.exec.RunView;
import dev.runbook.model.Operation;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.PrimitiveException;
import java.time.Instant;
import java.util.Optional;
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
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (Journal journal = where.open(); Pipeline pipeline = new Pipeline()) {
            Optional<RunRecord> found = Runs.find(journal, runId, where, err);
            if (found.isEmpty()) {
                return ExitCodes.INVALID;
            }
            RunRecord r = found.get();
            journal.subscribe(new EventPrinter(out, output.equals("json")));
            Plan plan = Engine.plan(r);
            Engine engine = Runs.engine(journal, plan, where, pipeline.expressions());
            Optional<Operation.Outcome> decided = Runs.decidedNotContinued(journal, r);
            if (decided.isPresent() && r.state().equals(RunState.AWAITING_DECISION.id())) {
                return continueDecided(decided.get(), r, journal, out, err);
            }
            if (r.state().equals(RunState.AWAITING_DECISION.id())) {
                if (!deadlinePassed(journal, r)) {
                    out.println("run " + runId + " awaits a decision: `runbook commit " + runId + "` or `runbook rollback "
                            + runId + "`");
                    return ExitCodes.OK;
                }
                Engine.Decided d = engine.decide(runId, Operation.Outcome.ROLLBACK, "timeout");
                if (d.result().refused()) {
                    return Runs.end(d.result(), out, err);
                }
                out.println("decision timed out: " + d.reason());
                return Runs.continueWith(d.outcome(), r, null, journal, where, out, err);
            }
            Result result = engine.resume(runId);
            int code = Runs.end(result, out, err);
            if (code == ExitCodes.OK && decided.isPresent()) {
                return continueDecided(decided.get(), journal.run(runId).orElseThrow(), journal, out, err);
            }
            return code;
        } catch (PrimitiveException e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
    }

    /** A decision recorded by a commit or rollback command cut off before it started its runbook. */
    private int continueDecided(Operation.Outcome outcome, RunRecord r, Journal journal, java.io.PrintWriter out,
                                java.io.PrintWriter err) {
        out.println("run " + r.id() + " was decided " + outcome + ", but its " + outcome + " never started: starting it");
        return Runs.continueWith(outcome, r, null, journal, where, out, err);
    }

    static boolean deadlinePassed(Journal journal, RunRecord r) {
        return RunView.of(journal, r.id()).steps().values().stream()
                .filter(i -> i.state().equals("awaiting-decision") && i.last() != null && i.last().has("deadline"))
                .anyMatch(i -> Instant.now().isAfter(Instant.parse(i.last().get("deadline").asText())));
    }
}
