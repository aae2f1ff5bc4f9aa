package dev.runbook.exec;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.PrimitiveException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Keeps a VM's ownership record at its sites in step with the journal's locks: claimed with admission,
 * claimed again by a resume of the run that holds it, released or handed back once the journal released or
 * returned the run's locks.
 */
final class SiteOwner {

    private final Ownership port;
    private final Journal journal;

    /** Records at the sites {@code port} reaches; with a null port the engine acts on no site. */
    SiteOwner(Ownership port, Journal journal) {
        this.port = port;
        this.journal = journal;
    }

    /** The claim a new run takes at admission. */
    Admission.SiteClaim claimFor(RunRecord r) {
        return port == null ? Admission.SiteClaim.NONE : claimFor(r.vm(), owner(r));
    }

    /** The claim an operation outside runs ({@code holder}, a sync) takes with its locks. */
    Admission.SiteClaim claimFor(String vm, String holder, String by) {
        return claimFor(vm, new Ownership.Owner(holder, List.of(holder), journal.id(), journal.location(), by,
                Instant.now()));
    }

    private Admission.SiteClaim claimFor(String vm, Ownership.Owner owner) {
        return new Admission.SiteClaim() {
            @Override
            public Optional<Admission.Refusal> take(Predicate<String> endedHere) {
                return claim(vm, owner, held -> held.journal().equals(journal.id()) && endedHere.test(held.run()));
            }

            @Override
            public void undo() {
                release(vm, owner.run());
            }
        };
    }

    /**
     * Claims the VM again for a run that is resumed and holds its locks: its own record stays, a missing one
     * is written again, another run's refuses.
     */
    Optional<String> reclaim(RunRecord r) {
        if (port == null || journal.locks().stream().noneMatch(l -> l.runId().equals(r.id()))) {
            return Optional.empty();
        }
        return claim(r.vm(), owner(r), held -> false).map(Admission.Refusal::message);
    }

    private Optional<Admission.Refusal> claim(String vm, Ownership.Owner owner, Predicate<Ownership.Owner> stale) {
        try {
            return port.claim(vm, owner, stale).map(held -> new Admission.Refusal("vm " + vm
                    + " is owned at its site by " + held.describe() + "; wait for that run, resume it with that "
                    + "journal, or, when it is gone for good, `runbook unlock " + vm + " --reason TEXT`"));
        } catch (PrimitiveException e) {
            return Optional.of(new Admission.Refusal("cannot record at the site that " + owner.run() + " owns vm "
                    + vm + ": " + e.getMessage()));
        }
    }

    /**
     * Follows a durable LOCKS entry to the site: a release frees the VM, a return gives it back. When the site
     * cannot be reached the record stays (the next run of this journal takes it over) and a note says so.
     */
    void follow(Entry locks) {
        if (port == null || locks.kind() != Entry.Kind.LOCKS) {
            return;
        }
        Optional<RunRecord> run = journal.run(locks.runId());
        if (run.isEmpty()) {
            return;
        }
        follow(locks, run.get().vm());
    }

    /** Like {@link #follow(Entry)}, for the locks of {@code vm}. */
    void follow(Entry locks, String vm) {
        try {
            if (locks.state().equals(Locks.RETURNED)) {
                String to = locks.data().path("to").asText();
                RunRecord parent = journal.run(to).orElseThrow();
                port.handBack(vm, locks.runId(), owner(parent));
            } else {
                port.release(vm, locks.runId());
            }
        } catch (PrimitiveException e) {
            journal.write(List.of(Entry.of(locks.runId(), Entry.Kind.NOTE, null, "ownership-kept",
                    JsonNodeFactory.instance.objectNode().put("message", "the ownership record of " + vm
                            + " at its site could not be released (" + e.getMessage() + "); the next run of this "
                            + "journal takes it over, a run of another journal needs `runbook unlock " + vm
                            + " --reason TEXT`"))));
        }
    }

    private void release(String vm, String runId) {
        try {
            port.release(vm, runId);
        } catch (PrimitiveException e) {
            // The run was not recorded: its record names a run this journal does not know, which the next
            // admission from this journal takes over.
        }
    }

    /** The run as the owner of its VM: with the runs it continues, whose calls act for it. */
    private Ownership.Owner owner(RunRecord r) {
        List<String> lineage = new ArrayList<>();
        for (Optional<RunRecord> at = Optional.of(r); at.isPresent() && !lineage.contains(at.get().id());
                at = at.get().parent() == null ? Optional.empty() : journal.run(at.get().parent())) {
            lineage.add(at.get().id());
        }
        return new Ownership.Owner(r.id(), lineage, journal.id(), journal.location(),
                r.startedBy() == null ? "unknown" : r.startedBy(), Instant.now());
    }
}
