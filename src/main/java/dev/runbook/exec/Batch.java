package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Transitions of one run not yet written to its journal. They are written together by {@link #flush()},
 * always before the action they announce; each parallel branch keeps its own batch.
 */
final class Batch {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Journal journal;
    private final String runId;
    private final SiteOwner owner;
    private final List<Entry> entries = new ArrayList<>();
    /** Entries written by {@link #publish} since the last crash boundary. */
    private boolean published;

    /** Transitions of {@code runId}; the locks it releases or returns are followed at the sites by {@code owner}. */
    Batch(Journal journal, String runId, SiteOwner owner) {
        this.journal = journal;
        this.runId = runId;
        this.owner = owner;
    }

    /** A batch for the same run, for a branch that runs beside this one. */
    Batch branch() {
        return new Batch(journal, runId, owner);
    }

    void step(String stepId, StepState state, JsonNode data) {
        entries.add(Entry.of(runId, Entry.Kind.STEP, stepId, state.id(), data));
    }

    void precheck(String id, PrecheckState state, JsonNode data) {
        entries.add(Entry.of(runId, Entry.Kind.PRECHECK, id, state.id(), data));
    }

    void compensation(String stepId, CompensationState state, JsonNode data) {
        entries.add(Entry.of(runId, Entry.Kind.COMPENSATION, stepId, state.id(), data));
    }

    void decision(String stepId, String outcome, JsonNode data) {
        entries.add(Entry.of(runId, Entry.Kind.DECISION, stepId, outcome, data));
    }

    void run(RunState state, String message) {
        run(runId, state, message);
    }

    /** A run's state entry; another run's when a decision run ends the run it decided. */
    void run(String id, RunState state, String message) {
        entries.add(Entry.of(id, Entry.Kind.RUN, null, state.id(), message == null ? null
                : JSON.objectNode().put("message", message)));
    }

    void lifecycle(String vm, String state) {
        entries.add(Entry.of(runId, Entry.Kind.LIFECYCLE, vm, state, null));
    }

    void note(String state, JsonNode data) {
        entries.add(Entry.of(runId, Entry.Kind.NOTE, null, state, data));
    }

    void locks(String state, JsonNode data) {
        entries.add(Entry.of(runId, Entry.Kind.LOCKS, null, state, data));
    }

    /** Writes what is pending, in one journal write, and marks a crash boundary after it. */
    void flush() {
        if (entries.isEmpty() && !published) {
            return;
        }
        write();
        published = false;
        CrashPoints.boundary("journal " + runId);
    }

    /**
     * Writes what is pending now, so that watchers see it as it happens, without a crash boundary: for
     * transitions that change nothing (a precheck's outcome), where a kill before the next {@link #flush} is a
     * kill before the run changed anything, which resume handles by running them again.
     */
    void publish() {
        if (!entries.isEmpty()) {
            write();
            published = true;
        }
    }

    private void write() {
        if (entries.isEmpty()) {
            return;
        }
        List<Entry> written = List.copyOf(entries);
        journal.write(written);
        entries.clear();
        written.stream().filter(e -> e.kind() == Entry.Kind.LOCKS).forEach(owner::follow);
    }
}
