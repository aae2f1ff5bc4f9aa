package dev.runbook.primitive;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which run may change a VM, as the sites record it. A journal records what one process did; the site is
 * the authority on who owns a VM, so two journals can never both change it. A run claims the VM when it is
 * admitted, every mutating primitive checks the claim (a fencing check: a call of a run that does not own
 * the VM changes nothing), and the run releases it when its locks are released.
 *
 * <p>A site adapter offers this port for a plan's recovery and protected sites together: the record is kept
 * at both, so a mutation on either site finds it.
 */
public interface Ownership {

    /**
     * The run that owns a VM.
     *
     * @param run     the run that holds the VM
     * @param lineage the run, then the runs it continues (a rollback continues its failover): a call of any
     *                of them may change the VM, since a rollback undoes its failover's steps in the failover's name
     * @param journal the journal that records the run: its identity, then where it is, for messages
     * @param by      who started the run
     * @param since   when the VM was claimed
     */
    record Owner(String run, List<String> lineage, String journal, String journalFile, String by, Instant since) {

        public Owner {
            lineage = List.copyOf(lineage);
        }

        /** True when a call of {@code runId} acts for this owner. */
        public boolean actsFor(String runId) {
            return lineage.contains(runId);
        }

        /** The owner as messages name it. */
        public String describe() {
            return "run " + run + " (journal " + journalFile + ", started by " + by + ", since " + since + ")";
        }
    }

    /**
     * Records {@code owner} as the VM's owner, atomically: when nobody owns it, when its holder is a run that
     * {@code owner} continues (or the same run, resumed), or when {@code stale} says the holder's record is
     * left over from a run that ended. Otherwise nothing changes.
     *
     * @return the holder that refuses the claim, or empty when the claim is recorded
     */
    Optional<Owner> claim(String vm, Owner owner, Predicate<Owner> stale) throws PrimitiveException;

    /** Removes the VM's record when {@code run} holds it; a record of another run stays. */
    void release(String vm, String run) throws PrimitiveException;

    /** Gives the VM back to {@code to} (the run {@code from} continued) when {@code from} holds it. */
    void handBack(String vm, String from, Owner to) throws PrimitiveException;

    /** Who owns the VM, if anyone. */
    Optional<Owner> holder(String vm) throws PrimitiveException;

    /** Removes the VM's record whoever holds it (the operator's explicit unlock); the holder it had. */
    Optional<Owner> forget(String vm) throws PrimitiveException;
}
