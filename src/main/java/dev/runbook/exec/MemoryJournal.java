package dev.runbook.exec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A journal that lives only as long as the process: for embedding, dry rehearsals and measuring the
 * engine's own cost. It keeps the same rules as {@link SqliteJournal} (admission, locks, lifecycle).
 */
public final class MemoryJournal implements Journal {

    private final Map<String, RunRecord> runs = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, LockRecord> locks = new LinkedHashMap<>();
    private final Map<String, LifecycleRecord> lifecycle = new LinkedHashMap<>();
    private final List<Consumer<Entry>> listeners = new CopyOnWriteArrayList<>();
    private final String id = java.util.UUID.randomUUID().toString();

    @Override
    public String id() {
        return id;
    }

    @Override
    public String location() {
        return "memory";
    }

    @Override
    public synchronized Optional<Admission.Refusal> admit(Admission a) {
        RunRecord r = a.run();
        LifecycleRecord current = lifecycle(r.vm());
        if (!a.allowedFrom().contains(current.state())) {
            return Optional.of(new Admission.Refusal(Refusals.lifecycle(r, current.state(), current.runId())));
        }
        for (String lock : a.locks()) {
            LockRecord held = locks.get(lock);
            if (held != null && !held.runId().equals(a.inheritFrom())) {
                return Optional.of(new Admission.Refusal(Refusals.locked(lock, held.runId())));
            }
        }
        Optional<Admission.Refusal> atSite = a.claim().take(this::endedHere);
        if (atSite.isPresent()) {
            return atSite;
        }
        runs.put(r.id(), r);
        if (a.inheritFrom() != null) {
            locks.replaceAll((name, l) -> l.runId().equals(a.inheritFrom()) ? new LockRecord(name, r.id(), l.acquiredAt()) : l);
        }
        a.locks().forEach(l -> locks.put(l, new LockRecord(l, r.id(), r.startedAt())));
        write(List.of(Entry.of(r.id(), Entry.Kind.RUN, null, r.state(), null)));
        return Optional.empty();
    }

    /** True when the run (or operation outside runs) holds no lock and is not recorded or has ended. */
    private boolean endedHere(String runId) {
        RunRecord r = runs.get(runId);
        return (r == null || RunState.of(r.state()).isFinal())
                && locks.values().stream().noneMatch(l -> l.runId().equals(runId));
    }

    @Override
    public synchronized List<Admission.Refusal> admitAll(RunRecord planRun, List<Admission> children) {
        List<Admission.Refusal> refused = new ArrayList<>();
        List<Admission> claimed = new ArrayList<>();
        for (Admission a : children) {
            RunRecord r = a.run();
            LifecycleRecord current = lifecycle(r.vm());
            if (!a.allowedFrom().contains(current.state())) {
                refused.add(new Admission.Refusal(Refusals.lifecycle(r, current.state(), current.runId())));
                continue;
            }
            Optional<LockRecord> held = a.locks().stream().map(locks::get).filter(java.util.Objects::nonNull).findFirst();
            if (held.isPresent()) {
                refused.add(new Admission.Refusal(r.vm() + ": " + Refusals.locked(held.get().name(), held.get().runId())));
                continue;
            }
            Optional<Admission.Refusal> atSite = a.claim().take(this::endedHere);
            if (atSite.isPresent()) {
                refused.add(new Admission.Refusal(r.vm() + ": " + atSite.get().message()));
            } else {
                claimed.add(a);
            }
        }
        if (!refused.isEmpty()) {
            claimed.forEach(a -> a.claim().undo());
            return refused;
        }
        List<Entry> started = new ArrayList<>();
        runs.put(planRun.id(), planRun);
        started.add(Entry.of(planRun.id(), Entry.Kind.RUN, null, planRun.state(), null));
        for (Admission a : children) {
            runs.put(a.run().id(), a.run());
            a.locks().forEach(l -> locks.put(l, new LockRecord(l, a.run().id(), a.run().startedAt())));
            started.add(Entry.of(a.run().id(), Entry.Kind.RUN, null, a.run().state(), null));
        }
        write(started);
        return List.of();
    }

    @Override
    public synchronized Optional<Admission.Refusal> hold(String holder, List<String> names, Admission.SiteClaim claim) {
        for (String lock : names) {
            LockRecord held = locks.get(lock);
            if (held != null) {
                return Optional.of(new Admission.Refusal(Refusals.locked(lock, held.runId())));
            }
        }
        Optional<Admission.Refusal> atSite = claim.take(this::endedHere);
        if (atSite.isPresent()) {
            return atSite;
        }
        Entry held = Locks.held(holder, names);
        names.forEach(l -> locks.put(l, new LockRecord(l, holder, held.at())));
        write(List.of(held));
        return Optional.empty();
    }

    @Override
    public void write(List<Entry> batch) {
        List<Entry> written = new ArrayList<>(batch.size());
        synchronized (this) {
            for (Entry e : batch) {
                Entry w = e.withSeq(entries.size() + 1);
                entries.add(w);
                written.add(w);
                apply(w);
            }
        }
        for (Consumer<Entry> l : listeners) {
            written.forEach(l);
        }
    }

    private void apply(Entry e) {
        switch (e.kind()) {
            case RUN -> runs.computeIfPresent(e.runId(), (id, r) -> r.with(e.state(),
                    e.data() == null ? r.message() : e.data().path("message").asText(r.message()), e.at()));
            case LIFECYCLE -> lifecycle.put(e.step(), new LifecycleRecord(e.step(), e.state(), e.runId(), e.at()));
            case LOCKS -> {
                if (e.state().equals(Locks.RELEASED)) {
                    locks.values().removeIf(l -> l.runId().equals(e.runId()));
                } else if (e.state().equals(Locks.RETURNED)) {
                    String to = e.data().path("to").asText();
                    locks.replaceAll((n, l) -> l.runId().equals(e.runId()) ? new LockRecord(n, to, l.acquiredAt()) : l);
                }
            }
            default -> {
            }
        }
    }

    @Override
    public synchronized Optional<RunRecord> run(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    @Override
    public synchronized List<RunRecord> runs() {
        return runs.values().stream().sorted(Comparator.comparing(RunRecord::startedAt).reversed()).toList();
    }

    @Override
    public synchronized List<Entry> entries(String runId, long afterSeq) {
        return entries.stream().filter(e -> e.runId().equals(runId) && e.seq() > afterSeq).toList();
    }

    @Override
    public synchronized List<Entry> entriesAfter(long afterSeq, int limit) {
        return entries.stream().filter(e -> e.seq() > afterSeq).limit(limit).toList();
    }

    @Override
    public synchronized List<LockRecord> locks() {
        return List.copyOf(locks.values());
    }

    @Override
    public synchronized List<LifecycleRecord> lifecycle() {
        return List.copyOf(lifecycle.values());
    }

    @Override
    public void subscribe(Consumer<Entry> listener) {
        listeners.add(listener);
    }

    @Override
    public void unsubscribe(Consumer<Entry> listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
    }
}
