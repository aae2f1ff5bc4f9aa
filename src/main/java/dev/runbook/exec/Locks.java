package dev.runbook.exec;

/** The states of a LOCKS entry. */
final class Locks {

    /** The run's locks are released. */
    static final String RELEASED = "released";

    /** The run's locks go back to the run it continued (data: {@code {"to": parent}}). */
    static final String RETURNED = "returned";

    /** Locks taken by an operation outside runs (data: {@code {"locks": [...]}}). */
    static final String HELD = "held";

    /** The entry recording that {@code holder} took {@code names}. */
    static Entry held(String holder, java.util.List<String> names) {
        var data = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        names.forEach(data.putArray("locks")::add);
        return Entry.of(holder, Entry.Kind.LOCKS, null, HELD, data);
    }

    private Locks() {
    }
}
