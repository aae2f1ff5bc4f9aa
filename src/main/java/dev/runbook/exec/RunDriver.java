package dev.runbook.exec;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.model.LifecycleState;
import dev.runbook.model.Operation;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Plan.PlannedStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Drives one run from what its journal says to its end or its next suspension: prechecks, then the
 * steps in order, then the {@code finally} steps; on a failure, the compensations in reverse order.
 * Every transition is journaled before the action it announces. A driver that coordinates many runs
 * (one per VM) drives each through one of these.
 */
final class RunDriver {

    private final RunContext run;
    private final Prechecks prechecks;
    private final DecisionPoint decisions;
    private final CompensationStack compensations;
    private final StepRunner steps;

    RunDriver(Engine engine, RunRecord record, Plan plan) {
        this.run = new RunContext(engine, record, plan);
        this.prechecks = new Prechecks(run);
        this.decisions = new DecisionPoint(run);
        this.compensations = new CompensationStack(run);
        this.steps = new StepRunner(run, compensations, decisions);
    }

    /** Drives the run as far as it goes now. */
    Result drive() {
        run.reload();
        RunRecord now = run.journal.run(run.runId).orElseThrow();
        RunState state = RunState.of(now.state());
        Batch batch = run.batch();
        if (state == RunState.COMPENSATING || state == RunState.COMPENSATION_FAILED) {
            return finishCompensated(batch, now.message());
        }
        if (state.isFinal()) {
            return new Result(run.runId, state, now.message());
        }
        if (run.view().steps().isEmpty()) {
            Optional<String> blocked = prechecks.blocking(batch);
            if (blocked.isPresent()) {
                batch.run(RunState.BLOCKED, blocked.get());
                endLocks(batch);
                batch.flush();
                return new Result(run.runId, RunState.BLOCKED, blocked.get());
            }
        }
        if (state == RunState.AWAITING_DECISION) {
            batch.run(RunState.RUNNING, null);
        }
        for (PlannedStep s : run.plan.steps()) {
            switch (steps.step(s, batch)) {
                case StepOutcome.Failed f -> {
                    batch.flush();
                    return finishCompensated(batch, f.reason());
                }
                case StepOutcome.Suspended x -> {
                    return new Result(run.runId, RunState.AWAITING_DECISION, decisions.awaitingMessage());
                }
                case StepOutcome.Done d -> {
                }
            }
        }
        return complete(batch);
    }

    /** Runs the prechecks of a run that has not started; blocked, it ends so and frees its VM. */
    Optional<String> precheckOnly() {
        run.reload();
        Batch batch = run.batch();
        Optional<String> blocked = prechecks.blocking(batch);
        if (blocked.isPresent()) {
            batch.run(RunState.BLOCKED, blocked.get());
            endLocks(batch);
            batch.flush();
        }
        return blocked;
    }

    /** Records the operator's decision on a run that awaits one; see {@link DecisionPoint#decide}. */
    DecisionPoint.Asked decide(Operation.Outcome requested, String by, boolean acceptGate) {
        return decisions.decide(requested, by, acceptGate);
    }

    /** Acts on a decision whose window passed; see {@link DecisionPoint#windowPassed}. */
    DecisionPoint.Asked windowPassed() {
        return decisions.windowPassed();
    }

    /** Runs the compensations in reverse order; the failures. A rollback run undoes a failover with it. */
    List<String> compensate(String reason) {
        return compensations.compensate(run.batch(), reason);
    }

    private Result complete(Batch batch) {
        Operation op = run.operation();
        Optional<String> failedFinally = finallySteps(batch);
        LifecycleState after = lifecycleAfter(op);
        lifecycleOnCompletion(op, after, batch);
        if (failedFinally.isPresent()) {
            batch.run(RunState.FAILED, failedFinally.get());
            batch.flush();
            return new Result(run.runId, RunState.FAILED, failedFinally.get());
        }
        String message = "completed; " + run.plan.vm() + " is " + after;
        batch.run(RunState.COMPLETED, message);
        batch.flush();
        return new Result(run.runId, RunState.COMPLETED, message);
    }

    /** Where the VM ends when this run completes: a commit or rollback of a failback ends elsewhere. */
    private LifecycleState lifecycleAfter(Operation op) {
        String parent = run.record.parent();
        boolean ofFailback = parent != null && run.journal.run(parent)
                .map(p -> p.operation().equals(Operation.FAILBACK.id())).orElse(false);
        return switch (op) {
            case ROLLBACK -> ofFailback ? LifecycleState.REPROTECTED : LifecycleState.REPLICATION_READY;
            case COMMIT -> ofFailback ? LifecycleState.REPLICATION_READY : LifecycleState.COMMITTED;
            default -> op.to();
        };
    }

    /** The VM's new lifecycle state; locks stay with the run while the VM awaits a commit or a rollback. */
    private void lifecycleOnCompletion(Operation op, LifecycleState after, Batch batch) {
        String vm = run.plan.vm();
        switch (op) {
            case ROLLBACK -> {
                batch.lifecycle(vm, LifecycleState.ROLLED_BACK.id());
                batch.lifecycle(vm, after.id());
                parentEnds(batch, RunState.ROLLED_BACK, "rolled back by run " + run.runId);
                batch.locks(Locks.RELEASED, null);
            }
            case COMMIT -> {
                batch.lifecycle(vm, after.id());
                parentEnds(batch, RunState.COMMITTED, "committed by run " + run.runId);
                batch.locks(Locks.RELEASED, null);
            }
            case REPROTECT -> { // nothing awaits a decision: the VM is free for its failback
                batch.lifecycle(vm, after.id());
                batch.locks(Locks.RELEASED, null);
            }
            default -> batch.lifecycle(vm, after.id());
        }
    }

    private void parentEnds(Batch batch, RunState state, String message) {
        if (run.record.parent() != null) {
            batch.run(run.record.parent(), state, message);
        }
    }

    /** A run that ends without completing hands its locks back to the run it continued, or frees them. */
    private void endLocks(Batch batch) {
        if (run.record.parent() != null) {
            batch.locks(Locks.RETURNED, JsonNodeFactory.instance.objectNode().put("to", run.record.parent()));
        } else {
            batch.locks(Locks.RELEASED, null);
        }
    }

    /** Runs the {@code finally} steps that have not ended; the failures, if any. */
    private Optional<String> finallySteps(Batch batch) {
        if (run.plan.finallySteps() == null) {
            return Optional.empty();
        }
        List<String> failed = new ArrayList<>();
        for (PlannedStep s : run.plan.finallySteps()) {
            RunView.Item seen = run.view().step(s.id()).orElse(null);
            if (seen != null && RunView.Terminal.is(seen.state())) {
                continue;
            }
            if (steps.finallyStep(s, batch) instanceof StepOutcome.Failed f) {
                failed.add(f.reason());
            }
        }
        batch.flush();
        return failed.isEmpty() ? Optional.empty() : Optional.of("finally " + String.join("; ", failed));
    }

    private Result finishCompensated(Batch batch, String failure) {
        List<String> failures = compensations.compensate(batch, failure);
        Optional<String> finallyFailed = finallySteps(batch);
        List<String> notes = new ArrayList<>();
        RunView after = RunView.of(run.journal, run.runId);
        after.compensations().values().stream()
                .filter(c -> CompensationState.of(c.state()) == CompensationState.IRREVERSIBLE)
                .forEach(c -> notes.add(c.id() + " is irreversible (" + c.last().path("reason").asText() + ")"));
        if (!failures.isEmpty()) {
            String message = failure + "\nCompensation failed, so the site may be half rolled back:\n  - "
                    + String.join("\n  - ", failures) + "\nFix what is named above, then `runbook resume " + run.runId
                    + "` retries the compensations that failed (the others are not repeated). The lock stays held.";
            batch.run(RunState.COMPENSATION_FAILED, message);
            batch.flush();
            return new Result(run.runId, RunState.COMPENSATION_FAILED, message);
        }
        boolean undoneAny = after.compensations().values().stream()
                .anyMatch(c -> CompensationState.of(c.state()) == CompensationState.DONE);
        String message = failure + (undoneAny || notes.isEmpty()
                ? "\nEvery change was undone, in reverse order" + (notes.isEmpty() ? "." : "; not undone: "
                        + String.join("; ", notes) + ".")
                : "\nNothing was undone: " + String.join("; ", notes) + ".")
                + finallyFailed.map(f -> "\n" + f).orElse("");
        batch.run(RunState.COMPENSATED, message);
        endLocks(batch);
        batch.flush();
        return new Result(run.runId, RunState.COMPENSATED, message);
    }
}
