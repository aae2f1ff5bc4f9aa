package dev.runbook.exec;

/** How a precheck ended; the journal stores {@link #id()} in its PRECHECK entries. */
public enum PrecheckState {
    PASSED, BLOCKED, WARNED;

    public String id() {
        return name().toLowerCase();
    }

    /** The state a journal id names, or null for an id no precheck state has. */
    public static PrecheckState of(String id) {
        for (PrecheckState s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        return null;
    }
}
