package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.plan.Plan.PlannedAction;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A run's compensations: each registered in the journal before its step acts, and run in reverse order
 * of registration, each at most once (keyed by run and step); a failed one is tried again on resume.
 */
final class CompensationStack {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RunContext run;
    /** The last registration's order; -1 until it is read from the journal at the first registration. */
    private final AtomicInteger registered = new AtomicInteger(-1);

    CompensationStack(RunContext run) {
        this.run = run;
    }

    /** Registered before the action runs: a call that times out may still have taken effect. */
    void register(PlannedAction s, Batch batch) {
        ObjectNode data = JSON.objectNode();
        if (s.undo() != null && s.undo().uses() != null) {
            data.put("uses", s.undo().uses());
        } else if (s.undo() != null && s.undo().coveredBy() != null) {
            data.put("coveredBy", s.undo().coveredBy());
        } else if (s.irreversible() != null) {
            data.put("irreversible", s.irreversible());
        } else {
            return; // reads only: nothing to undo
        }
        registered.compareAndSet(-1, run.view().compensations().size());
        ObjectNode entry = JSON.objectNode().put("order", registered.incrementAndGet());
        entry.setAll(data);
        batch.compensation(s.id(), CompensationState.REGISTERED, entry);
    }

    /**
     * Runs the registered compensations in reverse order, each at most once, and returns the failures.
     * Used on failure and by a rollback run ({@code failover.undo}).
     */
    List<String> compensate(Batch batch, String reason) {
        batch.run(RunState.COMPENSATING, reason);
        batch.flush();
        run.reload();
        List<RunView.Item> stack = run.view().compensationsInReverse();
        List<String> failures = new ArrayList<>();
        for (RunView.Item c : stack) {
            if (settled(c)) {
                continue; // keyed by run and step: never repeated; a failed one is tried again
            }
            Optional<String> failure = undo(c, batch);
            batch.flush();
            if (failure.isPresent()) {
                // Reverse order is a promise: an earlier step's undo may restore what this one's should
                // have restored first, and retrying this one later would then undo it again.
                long waiting = stack.stream().dropWhile(x -> !x.id().equals(c.id())).skip(1)
                        .filter(x -> !settled(x)).count();
                failures.add(failure.get() + (waiting == 0 ? "" : "; the undo of " + waiting + " earlier step"
                        + (waiting == 1 ? "" : "s") + " waits for it"));
                break;
            }
        }
        return failures;
    }

    private static boolean settled(RunView.Item c) {
        CompensationState state = CompensationState.of(c.state());
        return state != null && state.settled();
    }

    /** Undoes one step; the failure, if it failed. */
    private Optional<String> undo(RunView.Item c, Batch batch) {
        PlannedAction s = (PlannedAction) run.step(c.id());
        JsonNode registration = c.first();
        if (registration.has("coveredBy")) {
            batch.compensation(c.id(), CompensationState.COVERED, JSON.objectNode().put("reason",
                    "undone by the compensation of " + registration.get("coveredBy").asText()));
            return Optional.empty();
        }
        Optional<JsonNode> result;
        switch (effect(s)) {
            case Effect.NotTaken n -> {
                batch.compensation(c.id(), CompensationState.NOT_NEEDED, JSON.objectNode()
                        .put("reason", "step " + s.id() + " did not take effect"));
                return Optional.empty();
            }
            case Effect.Took t -> result = t.result();
        }
        if (registration.has("irreversible")) {
            batch.compensation(c.id(), CompensationState.IRREVERSIBLE, JSON.objectNode()
                    .put("reason", registration.get("irreversible").asText()));
            return Optional.empty();
        }
        String uses = registration.get("uses").asText();
        Primitive undo;
        JsonNode params;
        try {
            undo = run.primitive(uses);
            params = run.scope.resolve(s.undo().with(), s.undo().deferred(), result.orElse(JSON.objectNode()));
        } catch (PrimitiveException | Expressions.EvaluationException e) {
            String error = "cannot undo step " + s.id() + " with " + uses + ": " + e.getMessage()
                    + (result.isEmpty() ? " (its result is unknown: the step was interrupted)" : "");
            batch.compensation(c.id(), CompensationState.FAILED, JSON.objectNode().put("error", error));
            return Optional.of(error);
        }
        Call call = new Call(run.runId, s.id(), Call.Phase.COMPENSATE, params, run.scope.bindings());
        boolean unsafeToRepeat = undo.spec().mutates() && !undo.spec().idempotent();
        if (CompensationState.of(c.state()) == CompensationState.RUNNING && unsafeToRepeat) {
            Observation o = StepRunner.observe(undo, call);
            if (o instanceof Observation.Applied a) {
                batch.compensation(c.id(), CompensationState.DONE, JSON.objectNode().set("result", a.result()));
                return Optional.empty();
            }
            if (o instanceof Observation.Unknown u) {
                String error = "undo " + uses + " of step " + s.id() + " was interrupted and " + u.reason();
                batch.compensation(c.id(), CompensationState.FAILED, JSON.objectNode().put("error", error));
                return Optional.of(error);
            }
        }
        return attempts(c, s, uses, undo, call, unsafeToRepeat, batch);
    }

    /** What a step did to the site, as far as its undo needs to know. */
    private sealed interface Effect {
        /** It took effect, or may have; its result when known. */
        record Took(Optional<JsonNode> result) implements Effect {
        }

        record NotTaken() implements Effect {
        }
    }

    /**
     * The step's recorded result; when it recorded none (it was interrupted), what the site says of it.
     * A site that cannot tell counts as taken with an unknown result: undoing is the safe side.
     */
    private Effect effect(PlannedAction s) {
        RunView.Item step = run.view().step(s.id()).orElse(null);
        if (step != null && StepState.of(step.state()) == StepState.SUCCEEDED) {
            return new Effect.Took(Optional.ofNullable(step.result()));
        }
        try {
            Primitive p = run.primitive(s.uses());
            Call call = new Call(run.runId, s.id(), Call.Phase.APPLY, run.params(s), run.scope.bindings());
            return switch (StepRunner.observe(p, call)) {
                case Observation.NotApplied n -> new Effect.NotTaken();
                case Observation.Applied a -> new Effect.Took(Optional.ofNullable(a.result()));
                case Observation.Unknown u -> new Effect.Took(Optional.empty());
            };
        } catch (PrimitiveException | Expressions.EvaluationException e) {
            return new Effect.Took(Optional.empty());
        }
    }

    private Optional<String> attempts(RunView.Item c, PlannedAction s, String uses, Primitive undo, Call call,
                                      boolean unsafeToRepeat, Batch batch) {
        String error = null;
        int attempts = Math.max(1, run.options().compensationAttempts());
        for (int attempt = 1; attempt <= attempts; attempt++) {
            batch.compensation(c.id(), CompensationState.RUNNING, JSON.objectNode().put("attempt", attempt)
                    .put("uses", uses));
            batch.flush();
            try {
                JsonNode r = Calls.apply(undo, call, run.timeout(s), run.options().cancelGrace());
                CrashPoints.boundary("compensated " + run.runId + "/" + s.id());
                batch.compensation(c.id(), CompensationState.DONE, JSON.objectNode().set("result", r));
                return Optional.empty();
            } catch (PrimitiveException | Calls.TimedOut e) {
                error = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = "cancelled";
                break;
            }
            if (unsafeToRepeat && StepRunner.observe(undo, call) instanceof Observation.Applied a) {
                batch.compensation(c.id(), CompensationState.DONE, JSON.objectNode().set("result", a.result()));
                return Optional.empty();
            }
            if (attempt < attempts) {
                try {
                    run.options().sleeper().sleep(Backoff.delay(null, attempt));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        String message = "undo " + uses + " of step " + s.id() + " (" + s.pointer() + "/undo) failed: " + error;
        batch.compensation(c.id(), CompensationState.FAILED, JSON.objectNode().put("error", message));
        return Optional.of(message);
    }
}
