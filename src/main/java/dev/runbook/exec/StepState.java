package dev.runbook.exec;

/** Where a step stands; the journal stores {@link #id()} in its STEP entries. */
public enum StepState {
    RUNNING, RETRYING, SUCCEEDED, FAILED, SKIPPED, AWAITING_DECISION;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }

    /** The state a journal id names, or null for an id no step state has. */
    public static StepState of(String id) {
        for (StepState s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        return null;
    }

    /** True when the step is over: a resumed run neither repeats nor continues it. */
    public boolean ended() {
        return this == SUCCEEDED || this == FAILED || this == SKIPPED;
    }
}
