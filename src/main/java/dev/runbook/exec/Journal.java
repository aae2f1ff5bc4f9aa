package dev.runbook.exec;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where runs are recorded before anything is done, so that a crash never loses track. Writes are
 * transactions: everything passed to one {@link #write} call, and whatever other threads pass at the
 * same moment, becomes durable together (group commit).
 */
public interface Journal extends AutoCloseable {

    /**
     * Records a new run if the VM's lifecycle state allows its operation and no other run holds one of
     * its locks; takes the locks. Both checks and the insert are one transaction, so of two runs started
     * together on one VM exactly one is admitted.
     */
    Optional<Admission.Refusal> admit(Admission admission);

    /**
     * Records a recovery plan's run and one run per VM, all or none: every VM's lifecycle state, locks and
     * site claim are checked in one transaction, like {@link #admit}.
     *
     * @return the refusal of every VM that cannot be admitted (nothing is then recorded), or none
     */
    List<Admission.Refusal> admitAll(RunRecord planRun, List<Admission> children);

    /**
     * Takes locks for an operation outside runs ({@code holder}, a sync), with its site claim, in one
     * transaction like {@link #admit}: refused when any is held. A LOCKS entry of {@code holder} with state
     * {@code released} frees them.
     */
    Optional<Admission.Refusal> hold(String holder, List<String> locks, Admission.SiteClaim claim);

    /**
     * This journal's identity, the same for every process that opens it and different for every other
     * journal: what a site's ownership record names, so that a record left by a run of this journal is told
     * from one of another.
     */
    String id();

    /** Where the journal is kept, for messages (a file, or {@code memory}). */
    String location();

    /**
     * Appends entries durably, in order. Entries of kind RUN, LIFECYCLE and LOCKS also update the run's
     * state, the VM's lifecycle state and the locks.
     */
    void write(List<Entry> entries);

    Optional<RunRecord> run(String id);

    /**
     * A run without its plan ({@link RunRecord#plan} is empty): where it stands, without reading a plan that
     * for a recovery plan of many VMs holds megabytes.
     */
    default Optional<RunRecord> runWithoutPlan(String id) {
        return run(id).map(RunRecord::withoutPlan);
    }

    /** Every run, newest first. */
    List<RunRecord> runs();

    /**
     * Every run, newest first, without their plans ({@link RunRecord#plan} is empty): what a list of runs shows,
     * without reading every VM's plan of every recovery plan run.
     */
    default List<RunRecord> runsWithoutPlans() {
        return runs().stream().map(RunRecord::withoutPlan).toList();
    }

    /**
     * The VM runs of recovery plan run {@code planRun}, without their plans (each VM's plan is the bulk of its
     * record, and what shows where a plan stands never needs it): {@link RunRecord#plan} is empty.
     */
    default List<RunRecord> children(String planRun) {
        return runs().stream().filter(r -> planRun.equals(r.planRun())).map(RunRecord::withoutPlan).toList();
    }

    /** A run's entries after the given sequence number, in order. */
    List<Entry> entries(String runId, long afterSeq);

    /**
     * The latest step or compensation entry of every run whose id starts with {@code prefix} (the VM runs of a
     * recovery plan run: {@code <planrun>.}), by run id: a plan's tree in one read rather than one per VM.
     */
    default java.util.Map<String, Entry> latestSteps(String prefix) {
        java.util.Map<String, Entry> out = new java.util.HashMap<>();
        for (RunRecord r : runs()) {
            if (r.id().startsWith(prefix)) {
                for (Entry e : entries(r.id(), 0)) {
                    if (e.kind() == Entry.Kind.STEP || e.kind() == Entry.Kind.COMPENSATION) {
                        out.put(r.id(), e);
                    }
                }
            }
        }
        return out;
    }

    /** Entries of every run after the given sequence number, in order, at most {@code limit}. */
    List<Entry> entriesAfter(long afterSeq, int limit);

    /** The sequence number of the newest entry; 0 when there is none. */
    default long lastSeq() {
        long last = 0;
        for (List<Entry> batch = entriesAfter(0, 10_000); !batch.isEmpty(); batch = entriesAfter(last, 10_000)) {
            last = batch.get(batch.size() - 1).seq();
        }
        return last;
    }

    List<LockRecord> locks();

    List<LifecycleRecord> lifecycle();

    default LifecycleRecord lifecycle(String vm) {
        return lifecycle().stream().filter(l -> l.vm().equals(vm)).findFirst()
                .orElse(new LifecycleRecord(vm, LifecycleRecord.DEFAULT, null, null));
    }

    /** Called with every entry once it is durable, in journal order. */
    void subscribe(Consumer<Entry> listener);

    /** No longer calls {@code listener}. */
    void unsubscribe(Consumer<Entry> listener);

    @Override
    void close();
}
