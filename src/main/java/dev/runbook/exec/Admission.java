package dev.runbook.exec;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A request to start a run, checked atomically against the VM's lifecycle state, the operation locks and
 * the VM's ownership at its sites.
 *
 * @param run           the run to record
 * @param locks         the lock names it takes
 * @param allowedFrom   the lifecycle states the VM must be in
 * @param inheritFrom   a run whose locks this one takes over (the failover a rollback continues), or null
 * @param claim         the ownership the run takes at its sites, inside the journal's transaction
 */
public record Admission(RunRecord run, List<String> locks, Set<String> allowedFrom, String inheritFrom,
                        SiteClaim claim) {

    /** Why a run was not admitted; nothing was recorded. */
    public record Refusal(String message) {
    }

    /**
     * The VM's ownership at its sites, claimed once the journal's own checks passed and before the run is
     * recorded: of the journal's transaction and the site's record, either both are taken or neither.
     */
    public interface SiteClaim {

        /** Nothing to claim: the run's primitives act on no site. */
        SiteClaim NONE = new SiteClaim() {
            @Override
            public Optional<Refusal> take(Predicate<String> endedHere) {
                return Optional.empty();
            }

            @Override
            public void undo() {
            }
        };

        /**
         * Claims the VM; a refusal naming its holder when another run owns it. {@code endedHere} tells
         * whether a run of this journal has ended (or was never recorded), whose record is then left over.
         */
        Optional<Refusal> take(Predicate<String> endedHere);

        /** Gives back a claim whose run could not be recorded after all. */
        void undo();
    }
}
