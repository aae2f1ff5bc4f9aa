package dev.runbook.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * What happens when a decision's window passes without a decision. Nothing commits without an operator:
 * {@code commit} is read only so that the checker can refuse it where it is written.
 */
public enum WindowPolicy {
    /** An event and a line in status and on the page; the run keeps waiting for the operator. */
    REMIND,
    /** Roll back: only where undoing is safe (a test failover, a failback). */
    ROLLBACK,
    /** Refused by the checker: commit is a deliberate operator decision. */
    COMMIT;

    public String id() {
        return name().toLowerCase();
    }

    public static Optional<WindowPolicy> byId(String id) {
        return Arrays.stream(values()).filter(p -> p.id().equals(id)).findFirst();
    }

    @Override
    public String toString() {
        return id();
    }
}
