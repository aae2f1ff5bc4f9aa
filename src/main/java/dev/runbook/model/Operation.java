package dev.runbook.model;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** The lifecycle operations a runbook can perform, and the per-VM transitions each one is allowed. */
public enum Operation {
    TEST_FAILOVER("test-failover", EnumSet.of(LifecycleState.REPLICATION_READY),
            LifecycleState.TEST_FAILOVER_ACTIVE, EnumSet.of(Outcome.ROLLBACK)),
    PLANNED_FAILOVER("planned-failover", EnumSet.of(LifecycleState.REPLICATION_READY),
            LifecycleState.AWAITING_COMMIT, EnumSet.of(Outcome.COMMIT, Outcome.ROLLBACK)),
    LIVE_FAILOVER("live-failover", EnumSet.of(LifecycleState.REPLICATION_READY),
            LifecycleState.AWAITING_COMMIT, EnumSet.of(Outcome.COMMIT, Outcome.ROLLBACK)),
    /** Rolls back a failover (to replication-ready) or a failback (to reprotected). */
    ROLLBACK("rollback", EnumSet.of(LifecycleState.TEST_FAILOVER_ACTIVE, LifecycleState.AWAITING_COMMIT,
            LifecycleState.FAILBACK_AWAITING_COMMIT), LifecycleState.ROLLED_BACK, EnumSet.noneOf(Outcome.class)),
    /** Commits a failover (to committed) or a failback (production home again: replication-ready). */
    COMMIT("commit", EnumSet.of(LifecycleState.AWAITING_COMMIT, LifecycleState.FAILBACK_AWAITING_COMMIT),
            LifecycleState.COMMITTED, EnumSet.noneOf(Outcome.class)),
    /** After a commit: replication reversed, from the recovered VM back to the protected site. */
    REPROTECT("reprotect", EnumSet.of(LifecycleState.COMMITTED),
            LifecycleState.REPROTECTED, EnumSet.noneOf(Outcome.class)),
    FAILBACK("failback", EnumSet.of(LifecycleState.REPROTECTED),
            LifecycleState.FAILBACK_AWAITING_COMMIT, EnumSet.of(Outcome.COMMIT, Outcome.ROLLBACK));

    private final String id;
    private final Set<LifecycleState> from;
    private final LifecycleState to;
    private final Set<Outcome> decisions;

    Operation(String id, Set<LifecycleState> from, LifecycleState to, Set<Outcome> decisions) {
        this.id = id;
        this.from = from;
        this.to = to;
        this.decisions = decisions;
    }

    public String id() {
        return id;
    }

    /** The lifecycle states a VM must be in for this operation to start. */
    public Set<LifecycleState> from() {
        return from;
    }

    /** The lifecycle state a VM is in when the operation's steps have completed. */
    public LifecycleState to() {
        return to;
    }

    /** The outcomes a decision point of this operation may offer. */
    public Set<Outcome> decisions() {
        return decisions;
    }

    public static Optional<Operation> byId(String id) {
        return Arrays.stream(values()).filter(o -> o.id.equals(id)).findFirst();
    }

    @Override
    public String toString() {
        return id;
    }

    /** An operator's (or a timeout's) choice at a decision point. */
    public enum Outcome {
        COMMIT, ROLLBACK;

        public String id() {
            return name().toLowerCase();
        }

        public static Optional<Outcome> byId(String id) {
            return Arrays.stream(values()).filter(o -> o.id().equals(id)).findFirst();
        }

        @Override
        public String toString() {
            return id();
        }
    }
}
