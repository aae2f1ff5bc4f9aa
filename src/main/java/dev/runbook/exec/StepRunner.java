package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Plan.PlannedAction;
import dev.runbook.plan.Plan.PlannedStep;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;

/**
 * Drives one step: its guards ({@code when}, {@code require}), then by kind: an action through its
 * retries, timeout and observation, a parallel group, or a decision point.
 */
final class StepRunner {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RunContext run;
    private final CompensationStack compensations;
    private final DecisionPoint decisions;
    private final ParallelGroup groups;

    StepRunner(RunContext run, CompensationStack compensations, DecisionPoint decisions) {
        this.run = run;
        this.compensations = compensations;
        this.decisions = decisions;
        this.groups = new ParallelGroup(run, this);
    }

    StepOutcome step(PlannedStep s, Batch batch) {
        RunView.Item seen = run.view().step(s.id()).orElse(null);
        StepState before = seen == null ? null : StepState.of(seen.state());
        if (before == StepState.SUCCEEDED || before == StepState.SKIPPED) {
            return StepOutcome.DONE;
        }
        if (before == StepState.FAILED) {
            return new StepOutcome.Failed("step " + s.id() + " failed: " + seen.error());
        }
        if (s.skipped()) {
            return skip(s, "when '" + s.when().expression() + "' was false when planned", batch);
        }
        if (s.when() != null && Plan.Guard.AT_RUN_TIME.equals(s.when().value())) {
            try {
                if (!run.scope.test(s.when().expression(), null)) {
                    return skip(s, "when '" + s.when().expression() + "' is false", batch);
                }
            } catch (Expressions.EvaluationException e) {
                return fail(s, "when '" + s.when().expression() + "' " + e.getMessage(), batch);
            }
        }
        if (s.require() != null) {
            try {
                if (!run.scope.test(s.require(), null)) {
                    return fail(s, "require '" + s.require() + "' is false", batch);
                }
            } catch (Expressions.EvaluationException e) {
                return fail(s, "require '" + s.require() + "' " + e.getMessage(), batch);
            }
        }
        return switch (s) {
            case Plan.PlannedGroup g -> groups.run(g, seen, batch);
            case Plan.PlannedDecision d -> decisions.suspend(d, batch);
            case PlannedAction a -> action(a, seen, batch, true);
        };
    }

    /** A {@code finally} step: it always runs, and nothing undoes it. */
    StepOutcome finallyStep(PlannedStep s, Batch batch) {
        if (s.skipped()) {
            return skip(s, "when was false when planned", batch);
        }
        if (!(s instanceof PlannedAction a)) {
            return fail(s, "only an action can run in finally", batch);
        }
        return action(a, run.view().step(s.id()).orElse(null), batch, false);
    }

    StepOutcome skip(PlannedStep s, String reason, Batch batch) {
        batch.step(s.id(), StepState.SKIPPED, withUses(JSON.objectNode().put("reason", reason), s));
        run.scope.finished(s.id(), StepState.SKIPPED, null);
        s.children().forEach(c -> skip(c, "its group " + s.id() + " was skipped", batch));
        return StepOutcome.DONE;
    }

    StepOutcome fail(PlannedStep s, String error, Batch batch) {
        batch.step(s.id(), StepState.FAILED, JSON.objectNode().put("error", error));
        run.scope.finished(s.id(), StepState.FAILED, null);
        return new StepOutcome.Failed("step " + s.id() + " (" + s.pointer() + ") failed: " + error);
    }

    private StepOutcome action(PlannedAction s, RunView.Item seen, Batch batch, boolean compensable) {
        Primitive primitive;
        JsonNode params;
        try {
            primitive = run.primitive(s.uses());
            params = run.params(s);
        } catch (PrimitiveException | Expressions.EvaluationException e) {
            return fail(s, e.getMessage(), batch);
        }
        Call call = new Call(run.runId, s.id(), Call.Phase.APPLY, params, run.scope.bindings());
        boolean unsafeToRepeat = primitive.spec().mutates() && !primitive.spec().idempotent();
        int attempt = seen == null ? 0 : seen.attempt();
        if (seen != null && StepState.of(seen.state()) == StepState.RUNNING && unsafeToRepeat) {
            // interrupted while this step ran: ask the site rather than apply it a second time
            switch (observe(primitive, call)) {
                case Observation.Applied a -> {
                    return succeed(s, a.result(), true, batch);
                }
                case Observation.Unknown u -> {
                    return fail(s, "interrupted while running, and " + u.reason() + "; check " + s.uses()
                            + " by hand before resuming", batch);
                }
                case Observation.NotApplied n -> {
                }
            }
        } else if (seen == null && compensable) {
            compensations.register(s, batch);
        }
        int attempts = s.retry() == null ? 1 : s.retry().attempts();
        while (true) {
            attempt++;
            batch.step(s.id(), StepState.RUNNING, withUses(JSON.objectNode().put("attempt", attempt), s));
            batch.flush();
            String error;
            try {
                JsonNode result = Calls.apply(primitive, call, run.timeout(s), run.options().cancelGrace());
                CrashPoints.boundary("applied " + run.runId + "/" + s.id());
                return succeed(s, result, false, batch);
            } catch (PrimitiveException e) {
                error = e.getMessage();
            } catch (Calls.TimedOut e) {
                error = e.getMessage();
            } catch (InterruptedException e) {
                error = "cancelled";
                Thread.currentThread().interrupt();
            }
            if (unsafeToRepeat) {
                // it may have acted before failing: a second apply could act twice
                boolean interrupted = Thread.interrupted();
                Observation o = observe(primitive, call);
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                if (o instanceof Observation.Applied a) {
                    return succeed(s, a.result(), true, batch);
                }
                if (o instanceof Observation.Unknown u) {
                    return fail(s, error + "; and " + u.reason() + ", so it is not retried", batch);
                }
            }
            if (attempt >= attempts || Thread.currentThread().isInterrupted()) {
                return fail(s, error + (attempts > 1 ? " (attempt " + attempt + " of " + attempts + ")" : ""), batch);
            }
            try {
                batch.step(s.id(), StepState.RETRYING, JSON.objectNode().put("attempt", attempt).put("error", error));
                run.options().sleeper().sleep(Backoff.delay(s.retry(), attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail(s, error + "; cancelled before retrying", batch);
            }
        }
    }

    /** What the site says of a call; a failure to ask is an unknown, never a "not applied". */
    static Observation observe(Primitive p, Call call) {
        try {
            return p.observe(call);
        } catch (PrimitiveException e) {
            return new Observation.Unknown("observing it failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Observation.Unknown("observing it was interrupted");
        }
    }

    private StepOutcome succeed(PlannedStep s, JsonNode result, boolean observed, Batch batch) {
        ObjectNode data = JSON.objectNode();
        data.set("result", result == null ? JSON.objectNode() : result);
        if (observed) {
            data.put("observed", true);
        }
        batch.step(s.id(), StepState.SUCCEEDED, data);
        run.scope.finished(s.id(), StepState.SUCCEEDED, result);
        return StepOutcome.DONE;
    }

    /** A step's journal entry names the primitive it calls, when it calls one: status reads it. */
    private static ObjectNode withUses(ObjectNode data, PlannedStep s) {
        return s instanceof PlannedAction a ? data.put("uses", a.uses()) : data;
    }
}
