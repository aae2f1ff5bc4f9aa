package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A run as its journal entries say, replayed in order: steps, prechecks, compensations, decision. */
public final class RunView {

    /**
     * The latest state of a step, a precheck or a compensation.
     *
     * @param first the data of its first entry (for a compensation: what was registered)
     * @param last  the data of its latest entry
     */
    public record Item(String id, String state, int attempt, JsonNode result, String error, JsonNode first,
                       JsonNode last, Instant startedAt, Instant endedAt) {
    }

    private final String runId;
    private final Map<String, Item> steps = new LinkedHashMap<>();
    private final Map<String, Item> prechecks = new LinkedHashMap<>();
    private final Map<String, Item> compensations = new LinkedHashMap<>();
    private JsonNode decision;
    private final List<Entry> notes = new ArrayList<>();

    private RunView(String runId, List<Entry> entries) {
        this.runId = runId;
        entries.forEach(this::apply);
    }

    public static RunView of(Journal journal, String runId) {
        return new RunView(runId, journal.entries(runId, 0));
    }

    /** The run as the given entries of it say (a report reads the journal up to one entry). */
    public static RunView of(String runId, List<Entry> entries) {
        return new RunView(runId, entries);
    }

    private void apply(Entry e) {
        switch (e.kind()) {
            case STEP -> steps.put(e.step(), next(steps.get(e.step()), e));
            case PRECHECK -> prechecks.put(e.step(), next(prechecks.get(e.step()), e));
            case COMPENSATION -> compensations.put(e.step(), next(compensations.get(e.step()), e));
            case DECISION -> decision = e.data();
            case NOTE -> notes.add(e);
            default -> {
            }
        }
    }

    private static Item next(Item before, Entry e) {
        JsonNode d = e.data();
        int attempt = d != null && d.has("attempt") ? d.get("attempt").asInt() : before == null ? 0 : before.attempt();
        JsonNode result = d != null && d.has("result") ? d.get("result") : before == null ? null : before.result();
        String error = d != null && d.has("error") ? d.get("error").asText() : null;
        JsonNode first = before == null ? d : before.first();
        Instant started = before == null ? e.at() : before.startedAt();
        Instant ended = Terminal.is(e.state()) ? e.at() : null;
        return new Item(e.step(), e.state(), attempt, result, error, first, d, started, ended);
    }

    public String runId() {
        return runId;
    }

    public Optional<Item> step(String id) {
        return Optional.ofNullable(steps.get(id));
    }

    public Map<String, Item> steps() {
        return steps;
    }

    public Map<String, Item> prechecks() {
        return prechecks;
    }

    /** Compensations in the order they were registered. */
    public Map<String, Item> compensations() {
        return compensations;
    }

    /** The NOTE a decision window's reminder is recorded as, once per run. */
    public static final String WINDOW_PASSED = "decision-window-passed";

    /** True when the run was reminded that its decision window passed. */
    public boolean reminded() {
        return notes.stream().anyMatch(n -> n.state().equals(WINDOW_PASSED));
    }

    /** What was noted about the run along the way (a reminder, a failed resume), in order. */
    public List<Entry> notes() {
        return notes;
    }

    public Optional<JsonNode> decision() {
        return Optional.ofNullable(decision);
    }

    List<Item> compensationsInReverse() {
        List<Item> out = new ArrayList<>(compensations.values());
        java.util.Collections.reverse(out);
        return out;
    }

    /** Which states end a step, a precheck or a compensation. */
    static final class Terminal {
        private Terminal() {
        }

        static boolean is(String state) {
            StepState step = StepState.of(state);
            CompensationState compensation = CompensationState.of(state);
            return step != null && step.ended() || PrecheckState.of(state) != null
                    || compensation != null && compensation.settled();
        }
    }
}
