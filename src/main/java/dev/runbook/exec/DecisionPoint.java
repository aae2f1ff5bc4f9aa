package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Durations;
import dev.runbook.model.Operation;
import dev.runbook.model.WindowPolicy;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Plan.PlannedDecision;
import java.time.Instant;

/**
 * Where a run stops for the operator: it records what is awaited (prompt, options, window) and the
 * VM's new lifecycle state, and later records the decision, once.
 */
final class DecisionPoint {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RunContext run;

    DecisionPoint(RunContext run) {
        this.run = run;
    }

    /** Suspends the run here, unless this decision was already taken (a commit continues past it). */
    StepOutcome suspend(PlannedDecision s, Batch batch) {
        var decided = run.view().decision();
        if (decided.isPresent() && decided.get().path("step").asText().equals(s.id())) {
            return StepOutcome.DONE;
        }
        Plan.Decision d = s.decision();
        ObjectNode data = JSON.objectNode();
        try {
            data.put("prompt", d.prompt() == null ? null : run.scope.render(d.prompt(), null).asText());
        } catch (Expressions.EvaluationException e) {
            data.put("prompt", d.prompt());
        }
        ArrayNode options = data.putArray("options");
        d.options().forEach(options::add);
        if (d.timeout() != null) {
            data.put("deadline", Instant.now().plus(Durations.parse(d.timeout())).toString());
            data.put("onTimeout", d.onTimeout() == null ? WindowPolicy.REMIND.id() : d.onTimeout());
        }
        if (d.commitWhen() != null) {
            data.put("commitWhen", d.commitWhen());
        }
        batch.step(s.id(), StepState.AWAITING_DECISION, data);
        batch.lifecycle(run.plan.vm(), run.operation().to().id());
        batch.run(RunState.AWAITING_DECISION, null);
        batch.flush();
        return new StepOutcome.Suspended();
    }

    String awaitingMessage() {
        return "awaiting a decision: " + run.plan.vm() + " is " + run.operation().to().id() + remediationNote()
                + "; continue with `runbook commit " + run.runId + "` or `runbook rollback " + run.runId + "`";
    }

    /** The guest remediation status for the decision prompt, when the run awaited one. */
    private String remediationNote() {
        run.reload();
        return remediation().map(r -> " (" + r + ")").orElse("");
    }

    /** How asking for a decision ended. */
    sealed interface Asked {
        /** Recorded: the outcome, and why (who decided, and on what grounds). */
        record Decided(Operation.Outcome outcome, String reason) implements Asked {
        }

        /** Nothing recorded: the reason says why (already decided, a gate that does not hold). */
        record Refused(String reason) implements Asked {
        }

        /** The window passed and its policy is to remind: the reminder is recorded once; the run waits. */
        record Reminded(String message) implements Asked {
        }
    }

    /** The decision step that awaits a decision now, if any. */
    private java.util.Optional<PlannedDecision> awaiting() {
        run.reload();
        return run.plan.steps().stream()
                .filter(p -> p instanceof PlannedDecision).map(p -> (PlannedDecision) p)
                .filter(p -> run.view().step(p.id()).map(i -> StepState.of(i.state()) == StepState.AWAITING_DECISION)
                        .orElse(false))
                .findFirst();
    }

    private Asked.Refused alreadyDecided() {
        return run.view().decision().map(d -> new Asked.Refused("run " + run.runId + " was already decided: "
                        + d.path("outcome").asText() + " by " + d.path("decidedBy").asText() + " at "
                        + d.path("decidedAt").asText()))
                .orElse(new Asked.Refused("run " + run.runId + " awaits no decision"));
    }

    /**
     * Records the operator's decision, exactly as asked: a decision is never turned into another, also past
     * its window. A commit must pass the decision's {@code commitWhen} gate unless the operator accepts
     * what it guards ({@code acceptGate}), which is recorded with who and when.
     */
    Asked decide(Operation.Outcome requested, String by, boolean acceptGate) {
        java.util.Optional<PlannedDecision> found = awaiting();
        if (found.isEmpty()) {
            return alreadyDecided();
        }
        PlannedDecision s = found.get();
        JsonNode waiting = run.view().step(s.id()).orElseThrow().last();
        ObjectNode data = JSON.objectNode().put("step", s.id()).put("outcome", requested.id()).put("decidedBy", by)
                .put("decidedAt", Instant.now().toString()).put("reason", "operator");
        if (requested == Operation.Outcome.COMMIT && waiting.has("commitWhen")) {
            String gate = waiting.get("commitWhen").asText();
            String failed = gateFails(gate);
            if (failed != null && !acceptGate) {
                return new Asked.Refused("commit is gated by commitWhen '" + gate + "', which " + failed + "; "
                        + remediation().map(r -> r + "; ").orElse("") + "commit anyway with --accept-remediation (recorded with who and when), or"
                        + " roll back");
            }
            if (failed != null) {
                data.put("reason", "operator, accepting that commitWhen '" + gate + "' " + failed);
                data.putObject("accepted").put("gate", gate).put("by", by).put("at", Instant.now().toString());
            }
        }
        record(s, requested, data);
        return new Asked.Decided(requested, data.get("reason").asText());
    }

    /** Why the gate does not hold, or null when it holds. */
    private String gateFails(String gate) {
        try {
            return run.scope.test(gate, null) ? null : "is false";
        } catch (Expressions.EvaluationException e) {
            return e.getMessage();
        }
    }

    /** The remediation status the run recorded, for a refused commit's message. */
    private java.util.Optional<String> remediation() {
        return run.view().steps().values().stream()
                .filter(i -> "remediation.await-status".equals(i.first() == null ? null : i.first().path("uses").asText()))
                .filter(i -> StepState.of(i.state()) != StepState.SKIPPED)
                .findFirst()
                .map(i -> "remediation is " + (i.result() != null && i.result().has("status")
                        ? i.result().get("status").asText() + (i.result().has("reason") ? ", " + i.result().get("reason")
                        .asText() : "") : i.state()));
    }

    /**
     * Acts on a decision whose window has passed, once: {@code rollback} records a rollback decided by the
     * timeout; {@code remind} records a reminder (the run keeps waiting for the operator). An operator's
     * decision recorded first always stands.
     */
    Asked windowPassed() {
        java.util.Optional<PlannedDecision> found = awaiting();
        if (found.isEmpty()) {
            return alreadyDecided();
        }
        PlannedDecision s = found.get();
        JsonNode waiting = run.view().step(s.id()).orElseThrow().last();
        if (!waiting.has("deadline") || Instant.now().isBefore(Instant.parse(waiting.get("deadline").asText()))) {
            return new Asked.Refused("the decision window of run " + run.runId + " has not passed");
        }
        String deadline = waiting.get("deadline").asText();
        WindowPolicy policy = WindowPolicy.byId(waiting.path("onTimeout").asText("remind")).orElse(WindowPolicy.REMIND);
        if (policy == WindowPolicy.ROLLBACK) {
            String reason = "no decision by " + deadline + "; the window rolls back";
            record(s, Operation.Outcome.ROLLBACK, JSON.objectNode().put("step", s.id()).put("outcome", "rollback")
                    .put("decidedBy", "timeout").put("decidedAt", Instant.now().toString()).put("reason", reason));
            return new Asked.Decided(Operation.Outcome.ROLLBACK, reason);
        }
        String message = "the decision window passed at " + deadline + ": " + run.plan.vm() + " still awaits the"
                + " operator's `runbook commit " + run.runId + "` or `runbook rollback " + run.runId + "`";
        if (!run.view().reminded()) {
            Batch batch = run.batch();
            batch.note(RunView.WINDOW_PASSED, JSON.objectNode().put("message", message).put("deadline", deadline));
            batch.flush();
        }
        return new Asked.Reminded(message);
    }

    private void record(PlannedDecision s, Operation.Outcome outcome, ObjectNode data) {
        Batch batch = run.batch();
        batch.decision(s.id(), outcome.id(), data);
        batch.step(s.id(), StepState.SUCCEEDED, JSON.objectNode().set("result", data));
        batch.flush();
    }
}
