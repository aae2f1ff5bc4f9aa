package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Durations;
import dev.runbook.model.Operation;
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
            data.put("onTimeout", d.onTimeout());
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
        return "awaiting a decision: " + run.plan.vm() + " is " + run.operation().to().id()
                + "; continue with `runbook commit " + run.runId + "` or `runbook rollback " + run.runId + "`";
    }

    /**
     * Records a decision on a run that awaits one. A decision past its deadline is the timeout's:
     * {@code onTimeout}, and an automatic commit only when {@code commitWhen} holds.
     */
    Operation.Outcome decide(Operation.Outcome requested, String by) {
        run.reload();
        PlannedDecision s = run.plan.steps().stream()
                .filter(p -> p instanceof PlannedDecision).map(p -> (PlannedDecision) p)
                .filter(p -> run.view().step(p.id()).map(i -> StepState.of(i.state()) == StepState.AWAITING_DECISION)
                        .orElse(false))
                .findFirst().orElseThrow(() -> new IllegalStateException("run " + run.runId + " awaits no decision"));
        JsonNode waiting = run.view().step(s.id()).orElseThrow().last();
        Operation.Outcome outcome = requested;
        String decidedBy = by;
        String reason = "operator";
        if (waiting.has("deadline") && Instant.now().isAfter(Instant.parse(waiting.get("deadline").asText()))) {
            outcome = Operation.Outcome.byId(waiting.path("onTimeout").asText("rollback")).orElse(Operation.Outcome.ROLLBACK);
            decidedBy = "timeout";
            reason = "no decision by " + waiting.get("deadline").asText() + "; onTimeout " + outcome;
            if (outcome == Operation.Outcome.COMMIT && waiting.has("commitWhen")) {
                try {
                    if (!run.scope.test(waiting.get("commitWhen").asText(), null)) {
                        outcome = Operation.Outcome.ROLLBACK;
                        reason += ", but commitWhen '" + waiting.get("commitWhen").asText() + "' is false, so rollback";
                    }
                } catch (Expressions.EvaluationException e) {
                    outcome = Operation.Outcome.ROLLBACK;
                    reason += ", but commitWhen " + e.getMessage() + ", so rollback";
                }
            }
        }
        ObjectNode data = JSON.objectNode().put("step", s.id()).put("outcome", outcome.id()).put("decidedBy", decidedBy)
                .put("decidedAt", Instant.now().toString()).put("reason", reason);
        Batch batch = run.batch();
        batch.decision(s.id(), outcome.id(), data);
        batch.step(s.id(), StepState.SUCCEEDED, JSON.objectNode().set("result", data));
        batch.flush();
        return outcome;
    }
}
