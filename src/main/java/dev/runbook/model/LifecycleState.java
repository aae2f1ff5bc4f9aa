package dev.runbook.model;

/** Where a protected VM is in its DR lifecycle. */
public enum LifecycleState {
    REPLICATION_READY, TEST_FAILOVER_ACTIVE, AWAITING_COMMIT, COMMITTED, ROLLED_BACK, REPROTECTED,
    FAILBACK_AWAITING_COMMIT;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }

    @Override
    public String toString() {
        return id();
    }
}
