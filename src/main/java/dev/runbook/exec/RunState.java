package dev.runbook.exec;

/** Where a run stands; the journal stores {@link #id()}. */
public enum RunState {
    RUNNING, BLOCKED, AWAITING_DECISION, COMPLETED, COMPENSATING, COMPENSATED, COMPENSATION_FAILED, FAILED,
    COMMITTED, ROLLED_BACK,
    /** A VM of a recovery plan that was not attempted (its reason says why); nothing was changed. */
    SKIPPED;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }

    public static RunState of(String id) {
        return valueOf(id.toUpperCase().replace('-', '_'));
    }

    /** True when nothing more will happen to the run by itself. */
    public boolean isFinal() {
        return this == BLOCKED || this == COMPENSATED || this == FAILED || this == COMMITTED || this == ROLLED_BACK
                || this == COMPLETED || this == SKIPPED;
    }
}
