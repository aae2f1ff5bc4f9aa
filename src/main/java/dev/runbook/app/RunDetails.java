package dev.runbook.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;
import dev.runbook.exec.Journal;
import dev.runbook.exec.LifecycleRecord;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs' details as {@link Status#detail} gives them, kept for a long-lived reader (the server) and brought up
 * to date from the journal's tail: a request reads the entries written since the one before and applies
 * those that concern the run, rather than reading the run again (for a recovery plan of a thousand VMs:
 * every VM's run, its latest step and its lifecycle). What was serialised is served again while nothing that
 * concerns the run was written.
 *
 * <p>A request is answered by a reading of the tail that began after it arrived, so it sees every entry
 * committed before it asked: a caller never reads a state older than its own write. Requests that arrive
 * while one reading is under way share the next one, as writers share a group commit: under load the run is
 * read and serialised once per reading, not once per request.
 */
public final class RunDetails {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Runs kept at most; the least recently asked for is dropped first. */
    private static final int KEPT = 64;
    /** Entries read from the tail in one query. */
    private static final int BATCH = 5000;

    private final Journal journal;
    private final Map<String, Tail> tails = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tail> eldest) {
            return size() > KEPT;
        }
    };

    public RunDetails(Journal journal) {
        this.journal = journal;
    }

    /** The run's detail as JSON, or empty when the journal has no such run. */
    public Optional<byte[]> json(String runId) {
        Tail tail;
        synchronized (tails) {
            tail = tails.get(runId);
        }
        if (tail == null) {
            Optional<Tail> read = Tail.read(journal, runId);
            if (read.isEmpty()) {
                return Optional.empty();
            }
            synchronized (tails) {
                tail = tails.computeIfAbsent(runId, k -> read.get());
            }
        }
        return Optional.of(tail.json(journal));
    }

    /** One run as read so far, with the sequence number up to which the journal was applied. */
    private static final class Tail {
        private final String runId;
        private final boolean plan;
        private final String prefix;
        private long seq;
        private RunRecord record;
        private final List<Entry> own = new ArrayList<>();
        private final Map<String, RunRecord> children = new HashMap<>();
        private final Map<String, Entry> latest = new HashMap<>();
        private final Map<String, String> lifecycle = new HashMap<>();
        private byte[] json;
        /** Requests numbered so far, and the number up to which the last reading answers them (guarded by this). */
        private long asked;
        private long answered;
        private final Object reading = new Object();

        private Tail(String runId, RunRecord record) {
            this.runId = runId;
            this.record = record;
            this.plan = Runs.recoveryPlan(record);
            this.prefix = runId + ".";
        }

        /**
         * Reads the run whole: everything up to the journal's last entry when it began counts as applied;
         * what the reads saw beyond it is applied again later, which changes nothing.
         */
        static Optional<Tail> read(Journal journal, String runId) {
            long seq = journal.lastSeq();
            Optional<RunRecord> record = journal.runWithoutPlan(runId);
            if (record.isEmpty()) {
                return Optional.empty();
            }
            Tail t = new Tail(runId, record.get());
            t.seq = seq;
            journal.entries(runId, 0).stream().filter(e -> e.seq() <= seq).forEach(t.own::add);
            for (LifecycleRecord l : journal.lifecycle()) {
                t.lifecycle.put(l.vm(), l.state());
            }
            if (t.plan) {
                journal.children(runId).forEach(c -> t.children.put(c.id(), c));
                t.latest.putAll(journal.latestSteps(t.prefix));
            }
            return Optional.of(t);
        }

        byte[] json(Journal journal) {
            long mine;
            synchronized (this) {
                mine = ++asked;
            }
            synchronized (reading) {
                long upTo;
                synchronized (this) {
                    if (answered >= mine) {
                        return json; // a reading that began after this request arrived answered it
                    }
                    upTo = asked;
                }
                byte[] out = read(journal);
                synchronized (this) {
                    answered = upTo;
                }
                return out;
            }
        }

        /** Applies what the journal holds beyond what was read, and serialises again if it concerned the run. */
        private byte[] read(Journal journal) {
            boolean changed = json == null;
            for (List<Entry> batch = journal.entriesAfter(seq, BATCH); !batch.isEmpty();
                 batch = journal.entriesAfter(seq, BATCH)) {
                for (Entry e : batch) {
                    changed |= apply(journal, e);
                    seq = e.seq();
                }
            }
            if (changed) {
                json = serialise(journal);
            }
            return json;
        }

        /** Applies one entry; true when it concerns the run. */
        private boolean apply(Journal journal, Entry e) {
            if (e.kind() == Entry.Kind.LIFECYCLE && e.step() != null) {
                lifecycle.put(e.step(), e.state());
                return plan || e.step().equals(record.vm());
            }
            if (e.runId().equals(runId)) {
                own.add(e);
                if (e.kind() == Entry.Kind.RUN) {
                    journal.runWithoutPlan(runId).ifPresent(r -> record = r);
                }
                return true;
            }
            if (!plan || !e.runId().startsWith(prefix)) {
                return false;
            }
            switch (e.kind()) {
                case STEP, COMPENSATION -> latest.merge(e.runId(), e, (a, b) -> b.seq() > a.seq() ? b : a);
                case RUN -> journal.runWithoutPlan(e.runId()).ifPresent(r -> children.put(r.id(), r));
                default -> {
                    return false;
                }
            }
            return true;
        }

        private byte[] serialise(Journal journal) {
            RunView view = RunView.of(runId, own);
            ObjectNode plan = this.plan ? PlanStatus.of(journal, record, view.notes(), children.values(), latest,
                    lifecycle) : null;
            try {
                return MAPPER.writeValueAsBytes(Status.detail(record, view, plan,
                        lifecycle.getOrDefault(record.vm(), LifecycleRecord.DEFAULT)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
