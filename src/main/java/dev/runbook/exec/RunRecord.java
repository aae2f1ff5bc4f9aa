package dev.runbook.exec;

import java.time.Instant;

/**
 * A run as the journal keeps it: where its plan came from and where it stands.
 *
 * @param parent the failover run a commit or rollback run continues, or null
 * @param git    the git commit of the runbook file (with "+dirty" when it has uncommitted changes), or null
 * @param planRun the recovery plan run this run recovers one VM of, or null
 */
public record RunRecord(String id, String parent, String runbook, String runbookVersion, String runbookSha256,
                        String runbookFile, String git, String inventory, String inventorySha256,
                        String inventoryFile, String planHash, String plan, String vm, String operation,
                        String state, String message, Instant startedAt, Instant updatedAt, String startedBy,
                        String planRun) {

    /** This record with an empty plan: for reading where a run stands, not for running it. */
    public RunRecord withoutPlan() {
        return new RunRecord(id, parent, runbook, runbookVersion, runbookSha256, runbookFile, git, inventory,
                inventorySha256, inventoryFile, planHash, "", vm, operation, state, message, startedAt, updatedAt,
                startedBy, planRun);
    }

    RunRecord with(String newState, String newMessage, Instant at) {
        return new RunRecord(id, parent, runbook, runbookVersion, runbookSha256, runbookFile, git, inventory,
                inventorySha256, inventoryFile, planHash, plan, vm, operation, newState, newMessage, startedAt, at,
                startedBy, planRun);
    }
}
