package dev.runbook.cli;

import dev.runbook.exec.Engine;
import dev.runbook.exec.Journal;
import dev.runbook.exec.LifecycleRecord;
import dev.runbook.exec.Options;
import dev.runbook.exec.Provenance;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunView;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Operation;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.app.SiteAdapters;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What run, resume, commit and rollback share: the engine over the journal, and how results end. */
final class Runs {

    private Runs() {
    }

    static Engine engine(Journal journal, Plan plan, JournalOptions where, Expressions expressions)
            throws PrimitiveException {
        return engine(journal, plan, where, expressions, null);
    }

    static Engine engine(Journal journal, Plan plan, JournalOptions where, Expressions expressions,
                         java.time.Duration runTimeout) throws PrimitiveException {
        return new Engine(journal, SiteAdapters.forBindings(plan.bindings()),
                Options.defaults(where.drivers()).withRunTimeout(runTimeout), expressions);
    }

    static Engine.Launch launch(Path runbook, Path inventory, String parent) {
        return new Engine.Launch(runbook.toAbsolutePath().normalize().toString(),
                inventory.toAbsolutePath().normalize().toString(), Provenance.gitCommit(runbook), parent);
    }

    /** The run, or empty after saying on {@code err} that the journal has no such run. */
    static java.util.Optional<RunRecord> find(Journal journal, String runId, JournalOptions where, PrintWriter err) {
        var found = journal.run(runId);
        if (found.isEmpty()) {
            err.println("runbook: there is no run " + runId + " in " + where.file() + "; `runbook status` lists runs");
        }
        return found;
    }

    /** Prints the result's message and returns the documented exit code. */
    static int end(Result r, PrintWriter out, PrintWriter err) {
        if (r.refused()) {
            err.println("runbook: refused: " + r.message());
            return ExitCodes.REFUSED;
        }
        PrintWriter to = switch (r.state()) {
            case COMPLETED, AWAITING_DECISION, COMMITTED, ROLLED_BACK -> out;
            default -> err;
        };
        to.println("run " + r.runId() + " " + r.state().id() + ": " + r.message());
        to.flush();
        return switch (r.state()) {
            case COMPLETED, AWAITING_DECISION, COMMITTED, ROLLED_BACK, RUNNING -> ExitCodes.OK;
            case BLOCKED -> ExitCodes.PRECHECK_BLOCKED;
            case COMPENSATION_FAILED -> ExitCodes.COMPENSATION_FAILED;
            case COMPENSATED, COMPENSATING, FAILED -> ExitCodes.FAILED;
        };
    }

    /**
     * Plans and starts the commit or rollback runbook that continues a failover run. The runbook is
     * {@code commit.yaml} or {@code rollback.yaml} beside the failover's runbook unless given.
     */
    /**
     * The outcome decided on run {@code r} when the run that performs it never started (its command was
     * cut off in between): the VM is still in the decided run's hands and no run continues it.
     */
    static Optional<Operation.Outcome> decidedNotContinued(Journal journal, RunRecord r) {
        Optional<Operation.Outcome> outcome = RunView.of(journal, r.id()).decision()
                .flatMap(d -> Operation.Outcome.byId(d.path("outcome").asText()));
        if (outcome.isEmpty() || journal.runs().stream().anyMatch(o -> r.id().equals(o.parent()))) {
            return Optional.empty();
        }
        LifecycleRecord life = journal.lifecycle(r.vm());
        Operation performs = outcome.get() == Operation.Outcome.COMMIT ? Operation.COMMIT : Operation.ROLLBACK;
        boolean held = r.id().equals(life.runId()) && performs.from().stream().anyMatch(s -> s.id().equals(life.state()));
        return held ? outcome : Optional.empty();
    }

    /**
     * The runbook beside the decided run's own that performs the outcome: {@code <operation>-<outcome>.yaml}
     * when there is one (a failback's commit differs from a failover's), else {@code <outcome>.yaml}.
     */
    static Path decisionRunbook(Operation.Outcome outcome, RunRecord decided) {
        Path beside = Path.of(decided.runbookFile());
        Path specific = beside.resolveSibling(decided.operation() + "-" + outcome.id() + ".yaml");
        return Files.isRegularFile(specific) ? specific : beside.resolveSibling(outcome.id() + ".yaml");
    }

    static int continueWith(Operation.Outcome outcome, RunRecord failover, Path runbookOverride, Journal journal,
                            JournalOptions where, PrintWriter out, PrintWriter err) {
        Path runbook = runbookOverride != null ? runbookOverride : decisionRunbook(outcome, failover);
        Path inventory = Path.of(failover.inventoryFile());
        if (!Files.isRegularFile(runbook)) {
            err.println("runbook: " + runbook + ": no such runbook; name one with --runbook");
            return ExitCodes.INVALID;
        }
        try (Pipeline pipeline = new Pipeline()) {
            var loaded = pipeline.plan(runbook, inventory,
                    new Planner.Request(failover.vm(), Map.of("failoverRun", failover.id())), null);
            if (Report.print(loaded.diagnostics(), err) || loaded.value().isEmpty()) {
                return ExitCodes.INVALID;
            }
            Plan plan = loaded.value().get();
            String expected = outcome.id();
            if (!plan.operation().equals(expected)) {
                err.println("runbook: " + runbook + " performs " + plan.operation() + ", not " + expected);
                return ExitCodes.INVALID;
            }
            Engine engine = engine(journal, plan, where, pipeline.expressions());
            Result r = engine.start(plan, launch(runbook, inventory, failover.id()));
            int code = end(r, out, err);
            if (code == ExitCodes.FAILED && journal.run(failover.id()).map(f -> f.state().equals("compensation-failed")).orElse(false)) {
                err.println("run " + failover.id() + " compensation-failed: " + journal.run(failover.id()).get().message());
                return ExitCodes.COMPENSATION_FAILED;
            }
            return code;
        } catch (PrimitiveException e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
    }
}
