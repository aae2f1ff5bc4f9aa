package dev.runbook.exec;

import java.util.List;
import java.util.Set;

/**
 * A request to start a run, checked atomically against the VM's lifecycle state and the operation locks.
 *
 * @param run           the run to record
 * @param locks         the lock names it takes
 * @param allowedFrom   the lifecycle states the VM must be in
 * @param inheritFrom   a run whose locks this one takes over (the failover a rollback continues), or null
 */
public record Admission(RunRecord run, List<String> locks, Set<String> allowedFrom, String inheritFrom) {

    /** Why a run was not admitted; nothing was recorded. */
    public record Refusal(String message) {
    }
}
