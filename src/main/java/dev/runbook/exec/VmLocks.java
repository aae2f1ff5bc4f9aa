package dev.runbook.exec;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.PrimitiveException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A VM's lock and its ownership record outside runs: held by a sync for its duration, so no failover is
 * admitted under it; and removed by the operator's explicit, journaled unlock when the run that held it is
 * gone for good.
 */
public final class VmLocks {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Journal journal;
    private final Ownership port;
    private final SiteOwner owner;

    /** The locks of VMs recorded in {@code journal} and at the sites {@code port} reaches. */
    public VmLocks(Journal journal, Ownership port) {
        this.journal = journal;
        this.port = port;
        this.owner = new SiteOwner(port, journal);
    }

    /** The VM's lock and site record, held until closed. */
    public final class Held implements AutoCloseable {
        private final String holder;
        private final String vm;

        private Held(String holder, String vm) {
            this.holder = holder;
            this.vm = vm;
        }

        /** Who holds the lock, as refusals name it: {@code sync-<time>-<hex>}. */
        public String holder() {
            return holder;
        }

        /** Releases the lock in the journal, then the record at the site. */
        @Override
        public void close() {
            Entry released = Entry.of(holder, Entry.Kind.LOCKS, null, Locks.RELEASED, null);
            journal.write(List.of(released));
            owner.follow(released, vm);
        }
    }

    /**
     * Takes the VM's lock in the journal and its ownership at its sites for {@code what} (a sync), or the
     * refusal naming who holds it.
     */
    public Optional<Held> hold(String vm, String what, String by, List<Admission.Refusal> refused) {
        byte[] b = new byte[2];
        ThreadLocalRandom.current().nextBytes(b);
        String holder = what + "-" + ID_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(b);
        Optional<Admission.Refusal> refusal = journal.hold(holder, List.of("vm:" + vm), owner.claimFor(vm, holder, by));
        if (refusal.isPresent()) {
            refused.add(refusal.get());
            return Optional.empty();
        }
        return Optional.of(new Held(holder, vm));
    }

    /** What an unlock removed: the site's record (if any) and the run of this journal whose lock it released. */
    public record Unlocked(Optional<Ownership.Owner> site, Optional<String> journalHolder) {
        public boolean nothing() {
            return site.isEmpty() && journalHolder.isEmpty();
        }
    }

    /**
     * Removes the VM's ownership record at its sites and releases its lock in this journal, journaled with who
     * and why. Refused while a process of this journal drives the holding run.
     *
     * @param drivers the folder of the journal's driver locks, to tell a live run from a dead one
     * @throws PrimitiveException when the sites cannot be reached; the journal is then left unchanged
     */
    public Unlocked unlock(String vm, String by, String reason, Path drivers, List<Admission.Refusal> refused)
            throws PrimitiveException {
        Optional<String> local = journal.locks().stream().filter(l -> l.name().equals("vm:" + vm))
                .map(LockRecord::runId).findFirst();
        Optional<DriverLock> driving = local.isEmpty() ? Optional.empty() : DriverLock.tryTake(drivers, local.get());
        if (local.isPresent() && driving.isEmpty()) {
            refused.add(new Admission.Refusal("run " + local.get() + " is being driven by a process right now; "
                    + "it releases " + vm + " itself"));
            return new Unlocked(Optional.empty(), Optional.empty());
        }
        try {
            Optional<Ownership.Owner> site = port.forget(vm);
            ObjectNode data = JsonNodeFactory.instance.objectNode().put("vm", vm).put("by", by).put("reason", reason);
            site.ifPresent(o -> data.put("siteHolder", o.run()).put("siteJournal", o.journalFile()));
            List<Entry> entries = new ArrayList<>();
            String recordedAs = local.orElse(site.map(Ownership.Owner::run).orElse("unlock-" + vm));
            entries.add(Entry.of(recordedAs, Entry.Kind.NOTE, null, "unlocked", data));
            local.ifPresent(run -> entries.add(Entry.of(run, Entry.Kind.LOCKS, null, Locks.RELEASED, data)));
            journal.write(entries);
            return new Unlocked(site, local);
        } finally {
            driving.ifPresent(DriverLock::close);
        }
    }
}
