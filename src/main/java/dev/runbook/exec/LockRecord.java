package dev.runbook.exec;

import java.time.Instant;

/** An operation lock and the run holding it. */
public record LockRecord(String name, String runId, Instant acquiredAt) {
}
