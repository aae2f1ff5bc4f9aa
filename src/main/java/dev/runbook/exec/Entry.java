package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One journaled transition. The journal is append-only: a run's steps, compensations and decisions are
 * what its entries say, replayed in order ({@link RunView}).
 *
 * @param seq   the position in the journal, assigned when written (0 before)
 * @param runId the run it belongs to
 * @param kind  what changed
 * @param step  the step or precheck id, or null for the run itself
 * @param state the new state
 * @param data  details: result, error, attempt, decision, message (may be null)
 * @param at    when
 */
public record Entry(long seq, String runId, Kind kind, String step, String state, JsonNode data, Instant at) {

    /** What an entry records. */
    public enum Kind {
        RUN, PRECHECK, STEP, COMPENSATION, DECISION, LIFECYCLE, LOCKS, NOTE;

        public String id() {
            return name().toLowerCase();
        }

        public static Kind of(String id) {
            return valueOf(id.toUpperCase());
        }
    }

    public static Entry of(String runId, Kind kind, String step, String state, JsonNode data) {
        return new Entry(0, runId, kind, step, state, data, Instant.now());
    }

    Entry withSeq(long seq) {
        return new Entry(seq, runId, kind, step, state, data, at);
    }
}
