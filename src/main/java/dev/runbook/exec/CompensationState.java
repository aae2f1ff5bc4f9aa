package dev.runbook.exec;

/** Where a step's compensation stands; the journal stores {@link #id()} in its COMPENSATION entries. */
public enum CompensationState {
    /** Recorded before the step acts: a call that times out may still have taken effect. */
    REGISTERED,
    RUNNING,
    DONE,
    FAILED,
    /** The step never took effect, so there was nothing to undo. */
    NOT_NEEDED,
    IRREVERSIBLE,
    /** Another step's undo restores what this step changed. */
    COVERED;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }

    /** The state a journal id names, or null for an id no compensation state has. */
    public static CompensationState of(String id) {
        for (CompensationState s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        return null;
    }

    /** True when nothing more is owed: a compensation in such a state is never run again. */
    public boolean settled() {
        return this == DONE || this == NOT_NEEDED || this == IRREVERSIBLE || this == COVERED;
    }
}
