package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Ownership records kept in the state files of a plan's recovery and protected sites (the {@code owners}
 * section of each), changed together under both files' locks. The adapters whose sites keep their state in
 * a {@link StateFile} offer this port, and their mutations check it with {@link #fence}.
 */
public final class StateFileOwnership implements Ownership {

    private static final String OWNERS = "owners";

    private final String siteName;
    private final StateFile recovery;
    private final StateFile source;

    /** The records of the recovery site {@code siteName} (in {@code recovery}) and of its protected site. */
    public StateFileOwnership(String siteName, StateFile recovery, StateFile source) {
        this.siteName = siteName;
        this.recovery = recovery;
        this.source = source;
    }

    @Override
    public Optional<Owner> claim(String vm, Owner owner, Predicate<Owner> stale) throws PrimitiveException {
        return both(vm, states -> {
            Optional<Owner> held = read(states.get(0), vm);
            if (held.isPresent() && !owner.lineage().contains(held.get().run()) && !stale.test(held.get())) {
                return held;
            }
            states.forEach(s -> StateFile.section(s, OWNERS).set(vm, json(owner)));
            return Optional.empty();
        });
    }

    /**
     * Frees the VM and forgets the record of the calls its runs applied: once no run owns the VM, none of
     * those runs makes or settles a call again (a late one is refused by {@link #fence}), and a site of many
     * VMs would otherwise keep every call it ever applied.
     */
    @Override
    public void release(String vm, String run) throws PrimitiveException {
        both(vm, states -> {
            states.forEach(s -> read(s, vm).filter(o -> o.run().equals(run)).ifPresent(o -> {
                remove(s, vm);
                CallSupport.forgetApplied(s, o.lineage());
            }));
            return null;
        });
    }

    @Override
    public void handBack(String vm, String from, Owner to) throws PrimitiveException {
        both(vm, states -> {
            states.forEach(s -> {
                if (read(s, vm).filter(o -> o.run().equals(from)).isPresent()) {
                    StateFile.section(s, OWNERS).set(vm, json(to));
                }
            });
            return null;
        });
    }

    @Override
    public Optional<Owner> holder(String vm) throws PrimitiveException {
        try {
            return recovery.exists() ? read(recovery.vm(vm).read(), vm) : Optional.empty();
        } catch (UncheckedIOException e) {
            throw new PrimitiveException(e.getMessage(), e);
        }
    }

    @Override
    public Optional<Owner> forget(String vm) throws PrimitiveException {
        return both(vm, states -> {
            Optional<Owner> held = read(states.get(0), vm);
            states.forEach(s -> remove(s, vm));
            return held;
        });
    }

    /**
     * Refuses a mutation of {@code call} on a site whose state is {@code state} unless the call's run owns the
     * call's VM there: the fencing check every mutating primitive makes under the site's lock, before it
     * changes anything.
     *
     * @throws PrimitiveException naming who owns the VM, or saying the record is gone
     */
    public static void fence(JsonNode state, Call call, String site) throws PrimitiveException {
        String vm = CallSupport.vm(call).path("name").asText();
        Optional<Owner> owner = read(state, vm);
        if (owner.isEmpty()) {
            throw CallSupport.fail("site '%s' holds no ownership record of vm '%s' for run %s: its state file was "
                    + "deleted or replaced while the run held the VM, or the VM was unlocked; nothing was changed. "
                    + "Check the site's state, then `runbook status %s`", site, vm, call.runId(), call.runId());
        }
        if (!owner.get().actsFor(call.runId())) {
            throw CallSupport.fail("vm '%s' is owned at site '%s' by %s, not by run %s; nothing was changed",
                    vm, site, owner.get().describe(), call.runId());
        }
    }

    /** The owner a site state records for {@code vm}, if any. */
    public static Optional<Owner> read(JsonNode state, String vm) {
        JsonNode o = state.path(OWNERS).path(vm);
        if (!o.isObject()) {
            return Optional.empty();
        }
        List<String> lineage = new ArrayList<>();
        o.path("lineage").forEach(r -> lineage.add(r.asText()));
        String run = o.path("run").asText();
        if (lineage.isEmpty()) {
            lineage.add(run);
        }
        return Optional.of(new Owner(run, lineage, o.path("journal").asText(), o.path("journalFile").asText(),
                o.path("by").asText(), Instant.parse(o.path("since").asText(Instant.EPOCH.toString()))));
    }

    /** Removes the VM's record, and the section with its last record, so a free site reads as before. */
    private static void remove(ObjectNode state, String vm) {
        if (state.get(OWNERS) instanceof ObjectNode owners) {
            owners.remove(vm);
            if (owners.isEmpty()) {
                state.remove(OWNERS);
            }
        }
    }

    private static ObjectNode json(Owner owner) {
        ObjectNode o = StateFile.JSON.createObjectNode().put("run", owner.run());
        ArrayNode lineage = o.putArray("lineage");
        owner.lineage().forEach(lineage::add);
        return o.put("journal", owner.journal()).put("journalFile", owner.journalFile()).put("by", owner.by())
                .put("since", owner.since().toString());
    }

    /** A change of both sites' states (one list of one state when both sites keep one file). */
    @FunctionalInterface
    private interface Both<T> {
        T apply(List<ObjectNode> states);
    }

    private <T> T both(String vm, Both<T> change) throws PrimitiveException {
        for (StateFile f : List.of(recovery, source)) {
            if (!f.exists()) {
                throw CallSupport.fail("the state file %s of site '%s' does not exist, so no ownership can be "
                        + "recorded there; restore it (or set the site's `state` in the inventory)", f.file(), siteName);
            }
        }
        try {
            return StateFile.changeBoth(source.vm(vm), recovery.vm(vm),
                    (s, r) -> change.apply(s == r ? List.of(r) : List.of(r, s)));
        } catch (UncheckedIOException e) {
            throw new PrimitiveException(e.getMessage(), e);
        }
    }
}
