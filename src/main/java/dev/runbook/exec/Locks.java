package dev.runbook.exec;

/** The states of a LOCKS entry. */
final class Locks {

    /** The run's locks are released. */
    static final String RELEASED = "released";

    /** The run's locks go back to the run it continued (data: {@code {"to": parent}}). */
    static final String RETURNED = "returned";

    private Locks() {
    }
}
