package dev.runbook.exec;

import java.time.Instant;

/** A VM's lifecycle state and the run that put it there. */
public record LifecycleRecord(String vm, String state, String runId, Instant since) {

    public static final String DEFAULT = "replication-ready";
}
