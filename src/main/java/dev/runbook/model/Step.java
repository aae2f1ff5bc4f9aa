package dev.runbook.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A step of a runbook: an action, a parallel group or a decision point. */
public sealed interface Step {

    Common common();

    default String id() {
        return common().id();
    }

    default String pointer() {
        return common().pointer();
    }

    /** What every kind of step has. */
    record Common(String id, String name, String description, List<String> needs, Optional<Expr> when,
                  Optional<Expr> require, Optional<Duration> timeout, String pointer) {
    }

    /** Calls a primitive, with its compensation. */
    record Action(Common common, String uses, Param with, Optional<Retry> retry, Optional<Undo> undo,
                  Optional<String> irreversible) implements Step {
    }

    /** Branches that run concurrently, at most {@code concurrency} at once. */
    record Parallel(Common common, int concurrency, boolean failFast, List<Step> steps) implements Step {
    }

    /**
     * The run suspends until an operator decides; its window ({@code decisionTimeout}) may remind or, where
     * undoing is safe, roll back; {@code commitWhen} gates the operator's commit.
     */
    record Decision(Common common, String prompt, List<Operation.Outcome> options, Optional<Duration> decisionTimeout,
                    Optional<WindowPolicy> onTimeout, Optional<Expr> commitWhen) implements Step {
    }

    /** Exponential backoff with jitter. */
    record Retry(int attempts, Duration backoff, Duration maxBackoff, double jitter) {
    }

    /** How a step is compensated. */
    sealed interface Undo {
        String pointer();
    }

    /** Compensate by calling a primitive, which receives the step's recorded result as {@code result}. */
    record UndoCall(String uses, Param with, String pointer) implements Undo {
    }

    /** An earlier step's compensation also undoes this one (a rollback snapshot covers disk changes). */
    record CoveredBy(String stepId, String pointer) implements Undo {
    }
}
