package dev.runbook.app;

import dev.runbook.exec.Result;

/** How an operation on runs ended, for either front end to show: an exit code or an HTTP status. */
public sealed interface Ended {

    /** The operation drove a run; the run's result says where it stands (or that it was refused). */
    record Ran(Result result) implements Ended {
    }

    /** Refused before anything changed: a lock, a lifecycle state, another driver. */
    record Refused(String message) implements Ended {
    }

    /** Bad input: no such run, no such runbook, a runbook that does not plan. Nothing changed. */
    record Invalid(String message) implements Ended {
    }

    /** Nothing was done, and nothing had to be: the message says why (a run that still awaits its decision). */
    record Unchanged(String message) implements Ended {
    }

    /** What happened, in a sentence or more for the operator. */
    default String message() {
        return switch (this) {
            case Ran r -> r.result().message();
            case Refused r -> r.message();
            case Invalid i -> i.message();
            case Unchanged u -> u.message();
        };
    }

    /** The documented exit code. */
    default int exitCode() {
        return switch (this) {
            case Ran r -> exitCode(r.result());
            case Refused r -> ExitCodes.REFUSED;
            case Invalid i -> ExitCodes.INVALID;
            case Unchanged u -> ExitCodes.OK;
        };
    }

    /** The documented exit code of a run's result. */
    static int exitCode(Result r) {
        if (r.refused()) {
            return ExitCodes.REFUSED;
        }
        return switch (r.state()) {
            case COMPLETED, AWAITING_DECISION, COMMITTED, ROLLED_BACK, RUNNING, SKIPPED -> ExitCodes.OK;
            case BLOCKED -> ExitCodes.PRECHECK_BLOCKED;
            case COMPENSATION_FAILED -> ExitCodes.COMPENSATION_FAILED;
            case COMPENSATED, COMPENSATING, FAILED -> ExitCodes.FAILED;
        };
    }
}
