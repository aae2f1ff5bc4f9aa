package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Durations;
import dev.runbook.model.LifecycleState;
import dev.runbook.model.Operation;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Plan.PlannedStep;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Drives one run from what its journal says to its end or its next suspension: prechecks, steps with
 * their guards, retries and timeouts, parallel groups, the decision point, and on failure the
 * compensations in reverse order. Every transition is journaled before the action it announces.
 */
final class Execution {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Engine engine;
    private final Journal journal;
    private final RunRecord record;
    private final Plan plan;
    private final String runId;
    private final Scope scope;
    private final Map<String, PlannedStep> byId = new HashMap<>();
    private final AtomicInteger registered = new AtomicInteger();
    private RunView view;
    private Instant deadline;

    /** How a step ended. */
    private sealed interface Done {
    }

    private record Ok() implements Done {
    }

    private record Failed(String message) implements Done {
    }

    private record Suspended() implements Done {
    }

    private static final Ok OK = new Ok();

    /** Compensation states that need nothing more. */
    private static final java.util.Set<String> UNDONE = java.util.Set.of("done", "not-needed", "irreversible", "covered");

    Execution(Engine engine, RunRecord record, Plan plan) {
        this.engine = engine;
        this.journal = engine.journal();
        this.record = record;
        this.plan = plan;
        this.runId = record.id();
        this.scope = new Scope(engine.expressions(), plan, runId, record.parent());
        index(plan.steps());
        index(plan.finallySteps());
        Duration runTimeout = engine.options().runTimeout();
        this.deadline = runTimeout == null ? null : record.startedAt().plus(runTimeout);
    }

    private void index(List<PlannedStep> steps) {
        if (steps == null) {
            return;
        }
        for (PlannedStep s : steps) {
            byId.put(s.id(), s);
            index(s.steps());
        }
    }

    private void reload() {
        view = RunView.of(journal, runId);
        view.steps().values().forEach(i -> {
            if (i.state().equals("succeeded") || i.state().equals("skipped") || i.state().equals("failed")) {
                scope.finished(i.id(), i.state(), i.result());
            }
        });
        registered.set(view.compensations().size());
    }

    // ---------------------------------------------------------------------------------------- driving

    /** Drives the run as far as it goes now. */
    Result drive() {
        reload();
        RunState state = RunState.of(journal.run(runId).orElseThrow().state());
        List<Entry> batch = new ArrayList<>();
        if (state == RunState.COMPENSATING || state == RunState.COMPENSATION_FAILED) {
            return finishCompensated(batch, journal.run(runId).orElseThrow().message());
        }
        if (state.isFinal()) {
            return new Result(runId, state, journal.run(runId).orElseThrow().message());
        }
        if (view.steps().isEmpty()) {
            String blocked = prechecks(batch);
            if (blocked != null) {
                batch.add(run(RunState.BLOCKED, blocked));
                endLocks(batch);
                flush(batch);
                return new Result(runId, RunState.BLOCKED, blocked);
            }
        }
        if (state == RunState.AWAITING_DECISION) {
            batch.add(run(RunState.RUNNING, null));
        }
        for (PlannedStep s : plan.steps()) {
            Done d = step(s, batch);
            if (d instanceof Failed f) {
                flush(batch);
                return finishCompensated(batch, f.message());
            }
            if (d instanceof Suspended) {
                return new Result(runId, RunState.AWAITING_DECISION, decisionMessage());
            }
        }
        return complete(batch);
    }

    private Result complete(List<Entry> batch) {
        Operation op = Operation.byId(plan.operation()).orElseThrow();
        String failedFinally = finallySteps(batch);
        LifecycleState after = lifecycleAfter(op);
        lifecycleOnCompletion(op, after, batch);
        if (failedFinally != null) {
            batch.add(run(RunState.FAILED, failedFinally));
            flush(batch);
            return new Result(runId, RunState.FAILED, failedFinally);
        }
        String message = "completed; " + plan.vm() + " is " + after;
        batch.add(run(RunState.COMPLETED, message));
        flush(batch);
        return new Result(runId, RunState.COMPLETED, message);
    }

    /** Where the VM ends when this run completes: a commit or rollback of a failback ends elsewhere. */
    private LifecycleState lifecycleAfter(Operation op) {
        boolean ofFailback = record.parent() != null && engine.journal().run(record.parent())
                .map(p -> p.operation().equals(Operation.FAILBACK.id())).orElse(false);
        return switch (op) {
            case ROLLBACK -> ofFailback ? LifecycleState.REPROTECTED : LifecycleState.REPLICATION_READY;
            case COMMIT -> ofFailback ? LifecycleState.REPLICATION_READY : LifecycleState.COMMITTED;
            default -> op.to();
        };
    }

    /** The VM's new lifecycle state; locks stay with the run while the VM awaits a commit or a rollback. */
    private void lifecycleOnCompletion(Operation op, LifecycleState after, List<Entry> batch) {
        switch (op) {
            case ROLLBACK -> {
                batch.add(lifecycle(LifecycleState.ROLLED_BACK.id()));
                batch.add(lifecycle(after.id()));
                parentEnds(batch, RunState.ROLLED_BACK, "rolled back by run " + runId);
                batch.add(Entry.of(runId, Entry.Kind.LOCKS, null, Locks.RELEASED, null));
            }
            case COMMIT -> {
                batch.add(lifecycle(after.id()));
                parentEnds(batch, RunState.COMMITTED, "committed by run " + runId);
                batch.add(Entry.of(runId, Entry.Kind.LOCKS, null, Locks.RELEASED, null));
            }
            case REPROTECT -> { // nothing awaits a decision: the VM is free for its failback
                batch.add(lifecycle(after.id()));
                batch.add(Entry.of(runId, Entry.Kind.LOCKS, null, Locks.RELEASED, null));
            }
            default -> batch.add(lifecycle(after.id()));
        }
    }

    private void parentEnds(List<Entry> batch, RunState state, String message) {
        if (record.parent() != null) {
            batch.add(new Entry(0, record.parent(), Entry.Kind.RUN, null, state.id(),
                    JSON.objectNode().put("message", message), Instant.now()));
        }
    }

    /** A run that ends without completing hands its locks back to the run it continued, or frees them. */
    private void endLocks(List<Entry> batch) {
        if (record.parent() != null) {
            batch.add(Entry.of(runId, Entry.Kind.LOCKS, null, Locks.RETURNED, JSON.objectNode().put("to", record.parent())));
        } else {
            batch.add(Entry.of(runId, Entry.Kind.LOCKS, null, Locks.RELEASED, null));
        }
    }

    private Entry lifecycle(String state) {
        return Entry.of(runId, Entry.Kind.LIFECYCLE, plan.vm(), state, null);
    }

    private Entry run(RunState state, String message) {
        return Entry.of(runId, Entry.Kind.RUN, null, state.id(), message == null ? null
                : JSON.objectNode().put("message", message));
    }

    private void flush(List<Entry> batch) {
        if (batch.isEmpty()) {
            return;
        }
        journal.write(List.copyOf(batch));
        batch.clear();
        CrashPoints.boundary("journal " + runId);
    }

    // ------------------------------------------------------------------------------------- prechecks

    /** Runs every precheck; the failing blocking ones, with their fix text, or null when none blocks. */
    private String prechecks(List<Entry> batch) {
        List<String> blocking = new ArrayList<>();
        for (Plan.PlannedPrecheck p : plan.prechecks()) {
            String failure = precheck(p, batch);
            if (failure != null && p.severity().equals("blocking")) {
                blocking.add(failure);
            }
        }
        flush(batch);
        if (blocking.isEmpty()) {
            return null;
        }
        return blocking.size() + " blocking precheck" + (blocking.size() == 1 ? "" : "s") + " failed; fix the"
                + " readiness condition rather than repeating the operation:\n  - " + String.join("\n  - ", blocking);
    }

    private String precheck(Plan.PlannedPrecheck p, List<Entry> batch) {
        ObjectNode data = JSON.objectNode().put("probe", p.probe());
        JsonNode result = null;
        String failure;
        try {
            Primitive probe = engine.primitive(p.probe());
            JsonNode params = scope.resolve(p.with(), p.deferred(), null);
            result = probe.apply(new Call(runId, p.id(), Call.Phase.PROBE, params, scope.bindings()));
            data.set("result", result);
            if (scope.test(p.require(), result)) {
                batch.add(Entry.of(runId, Entry.Kind.PRECHECK, p.id(), "passed", data));
                return null;
            }
            failure = p.id() + ": " + scope.render(p.fix(), result).asText();
        } catch (PrimitiveException | Expressions.EvaluationException e) {
            failure = p.id() + ": probe " + p.probe() + " failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = p.id() + ": interrupted";
        }
        data.put("error", failure);
        batch.add(Entry.of(runId, Entry.Kind.PRECHECK, p.id(), p.severity().equals("blocking") ? "blocked" : "warned", data));
        return failure;
    }

    // ------------------------------------------------------------------------------------------ steps

    private Done step(PlannedStep s, List<Entry> batch) {
        RunView.Item seen = view.step(s.id()).orElse(null);
        if (seen != null) {
            switch (seen.state()) {
                case "succeeded", "skipped" -> {
                    return OK;
                }
                case "failed" -> {
                    return new Failed("step " + s.id() + " failed: " + seen.error());
                }
                default -> {
                }
            }
        }
        if (s.skipped()) {
            return skip(s, "when '" + s.when().expression() + "' was false when planned", batch);
        }
        if (s.when() != null && Plan.Guard.AT_RUN_TIME.equals(s.when().value())) {
            try {
                if (!scope.test(s.when().expression(), null)) {
                    return skip(s, "when '" + s.when().expression() + "' is false", batch);
                }
            } catch (Expressions.EvaluationException e) {
                return fail(s, "when '" + s.when().expression() + "' " + e.getMessage(), batch);
            }
        }
        if (s.require() != null) {
            try {
                if (!scope.test(s.require(), null)) {
                    return fail(s, "require '" + s.require() + "' is false", batch);
                }
            } catch (Expressions.EvaluationException e) {
                return fail(s, "require '" + s.require() + "' " + e.getMessage(), batch);
            }
        }
        return switch (s.kind()) {
            case "parallel" -> parallel(s, seen, batch);
            case "decision" -> decision(s, batch);
            default -> action(s, seen, batch, true);
        };
    }

    private Done skip(PlannedStep s, String reason, List<Entry> batch) {
        batch.add(Entry.of(runId, Entry.Kind.STEP, s.id(), "skipped",
                withUses(JSON.objectNode().put("reason", reason), s)));
        scope.finished(s.id(), "skipped", null);
        if (s.steps() != null) {
            s.steps().forEach(c -> skip(c, "its group " + s.id() + " was skipped", batch));
        }
        return OK;
    }

    private Done fail(PlannedStep s, String error, List<Entry> batch) {
        batch.add(Entry.of(runId, Entry.Kind.STEP, s.id(), "failed", JSON.objectNode().put("error", error)));
        scope.finished(s.id(), "failed", null);
        return new Failed("step " + s.id() + " (" + s.pointer() + ") failed: " + error);
    }

    private Done action(PlannedStep s, RunView.Item seen, List<Entry> batch, boolean compensable) {
        Primitive primitive;
        JsonNode params;
        try {
            primitive = engine.primitive(s.uses());
            params = params(s);
        } catch (PrimitiveException | Expressions.EvaluationException e) {
            return fail(s, e.getMessage(), batch);
        }
        Call call = new Call(runId, s.id(), Call.Phase.APPLY, params, scope.bindings());
        boolean unsafeToRepeat = primitive.spec().mutates() && !primitive.spec().idempotent();
        int attempt = seen == null ? 0 : seen.attempt();
        if (seen != null && seen.state().equals("running") && unsafeToRepeat) {
            // interrupted while this step ran: ask the site rather than apply it a second time
            Observation o = observe(primitive, call);
            switch (o) {
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
            register(s, batch);
        }
        int attempts = s.retry() == null ? 1 : s.retry().attempts();
        while (true) {
            attempt++;
            batch.add(Entry.of(runId, Entry.Kind.STEP, s.id(), "running",
                    withUses(JSON.objectNode().put("attempt", attempt), s)));
            flush(batch);
            String error;
            try {
                JsonNode result = Calls.apply(primitive, call, timeout(s), engine.options().cancelGrace());
                CrashPoints.boundary("applied " + runId + "/" + s.id());
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
                batch.add(Entry.of(runId, Entry.Kind.STEP, s.id(), "retrying",
                        JSON.objectNode().put("attempt", attempt).put("error", error)));
                engine.options().sleeper().sleep(Backoff.delay(s.retry(), attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail(s, error + "; cancelled before retrying", batch);
            }
        }
    }

    private JsonNode params(PlannedStep s) throws Expressions.EvaluationException {
        JsonNode params = scope.resolve(s.with(), s.deferred(), null);
        if (s.scripts() != null && params instanceof ObjectNode o) {
            ArrayNode scripts = o.putArray("scripts");
            for (Plan.Script sc : s.scripts()) {
                scripts.addObject().put("path", sc.path()).put("mode", sc.mode()).put("sha256", sc.sha256())
                        .put("content", sc.content());
            }
        }
        return params;
    }

    private Observation observe(Primitive p, Call call) {
        try {
            return p.observe(call);
        } catch (PrimitiveException e) {
            return new Observation.Unknown("observing it failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Observation.Unknown("observing it was interrupted");
        }
    }

    private Duration timeout(PlannedStep s) {
        Duration t = s.timeout() == null ? null : Durations.parse(s.timeout());
        Duration cap = engine.options().timeoutCap();
        if (cap != null) {
            t = t == null ? cap : t.compareTo(cap) < 0 ? t : cap;
        }
        if (deadline != null) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative()) {
                left = Duration.ofMillis(1);
            }
            t = t == null || left.compareTo(t) < 0 ? left : t;
        }
        return t;
    }

    private Done succeed(PlannedStep s, JsonNode result, boolean observed, List<Entry> batch) {
        ObjectNode data = JSON.objectNode();
        data.set("result", result == null ? JSON.objectNode() : result);
        if (observed) {
            data.put("observed", true);
        }
        batch.add(Entry.of(runId, Entry.Kind.STEP, s.id(), "succeeded", data));
        scope.finished(s.id(), "succeeded", result);
        return OK;
    }

    /** Registered before the action runs: a call that times out may still have taken effect. */
    private void register(PlannedStep s, List<Entry> batch) {
        ObjectNode data = JSON.objectNode().put("order", registered.incrementAndGet());
        if (s.undo() != null && s.undo().uses() != null) {
            data.put("uses", s.undo().uses());
        } else if (s.undo() != null && s.undo().coveredBy() != null) {
            data.put("coveredBy", s.undo().coveredBy());
        } else if (s.irreversible() != null) {
            data.put("irreversible", s.irreversible());
        } else {
            return; // reads only: nothing to undo
        }
        batch.add(Entry.of(runId, Entry.Kind.COMPENSATION, s.id(), "registered", data));
    }

    private Done parallel(PlannedStep group, RunView.Item seen, List<Entry> batch) {
        if (seen == null) {
            batch.add(Entry.of(runId, Entry.Kind.STEP, group.id(), "running", JSON.objectNode().put("attempt", 1)));
        }
        flush(batch);
        Semaphore slots = new Semaphore(group.concurrency() == null ? Integer.MAX_VALUE : group.concurrency());
        boolean failFast = group.failFast() == null || group.failFast();
        List<Thread> threads = new ArrayList<>();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (PlannedStep child : group.steps()) {
            threads.add(Thread.ofVirtual().name("step-" + child.id()).start(() -> {
                List<Entry> own = new ArrayList<>();
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    own.add(Entry.of(runId, Entry.Kind.STEP, child.id(), "failed", JSON.objectNode()
                            .put("error", "cancelled before it started: " + firstFailure.get())));
                    flush(own);
                    return;
                }
                try {
                    Done d = step(child, own);
                    flush(own);
                    if (d instanceof Failed f) {
                        failures.add(f.message());
                        if (firstFailure.compareAndSet(null, f.message()) && failFast) {
                            threads.forEach(t -> {
                                if (t != Thread.currentThread()) {
                                    t.interrupt();
                                }
                            });
                        }
                    }
                } finally {
                    slots.release();
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                threads.forEach(Thread::interrupt);
                Thread.currentThread().interrupt();
            }
        }
        if (firstFailure.get() != null) {
            return fail(group, failures.size() + " of " + group.steps().size() + " branches failed: "
                    + firstFailure.get(), batch);
        }
        batch.add(Entry.of(runId, Entry.Kind.STEP, group.id(), "succeeded", null));
        scope.finished(group.id(), "succeeded", null);
        return OK;
    }

    private Done decision(PlannedStep s, List<Entry> batch) {
        var decided = view.decision();
        if (decided.isPresent() && decided.get().path("step").asText().equals(s.id())) {
            return OK; // recorded by decide(); a commit continues here
        }
        Plan.Decision d = s.decision();
        ObjectNode data = JSON.objectNode();
        try {
            data.put("prompt", d.prompt() == null ? null : scope.render(d.prompt(), null).asText());
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
        batch.add(Entry.of(runId, Entry.Kind.STEP, s.id(), "awaiting-decision", data));
        Operation op = Operation.byId(plan.operation()).orElseThrow();
        batch.add(lifecycle(op.to().id()));
        batch.add(run(RunState.AWAITING_DECISION, null));
        flush(batch);
        return new Suspended();
    }

    private String decisionMessage() {
        return "awaiting a decision: " + plan.vm() + " is " + Operation.byId(plan.operation()).orElseThrow().to().id()
                + "; continue with `runbook commit " + runId + "` or `runbook rollback " + runId + "`";
    }

    private String finallySteps(List<Entry> batch) {
        if (plan.finallySteps() == null) {
            return null;
        }
        List<String> failed = new ArrayList<>();
        for (PlannedStep s : plan.finallySteps()) {
            RunView.Item seen = view.step(s.id()).orElse(null);
            if (seen != null && RunView.Terminal.is(seen.state())) {
                continue;
            }
            Done d = s.skipped() ? skip(s, "when was false when planned", batch) : action(s, seen, batch, false);
            if (d instanceof Failed f) {
                failed.add(f.message());
            }
        }
        flush(batch);
        return failed.isEmpty() ? null : "finally " + String.join("; ", failed);
    }

    // ----------------------------------------------------------------------------------- compensation

    private Result finishCompensated(List<Entry> batch, String failure) {
        List<String> failures = compensate(batch, failure);
        String finallyFailed = finallySteps(batch);
        List<String> notes = new ArrayList<>();
        RunView after = RunView.of(journal, runId);
        after.compensations().values().stream().filter(c -> c.state().equals("irreversible"))
                .forEach(c -> notes.add(c.id() + " is irreversible (" + c.last().path("reason").asText() + ")"));
        if (!failures.isEmpty()) {
            String message = failure + "\nCompensation failed, so the site may be half rolled back:\n  - "
                    + String.join("\n  - ", failures) + "\nFix what is named above, then `runbook resume " + runId
                    + "` retries the compensations that failed (the others are not repeated). The lock stays held.";
            batch.add(run(RunState.COMPENSATION_FAILED, message));
            flush(batch);
            return new Result(runId, RunState.COMPENSATION_FAILED, message);
        }
        String message = failure + "\nEvery change was undone, in reverse order"
                + (notes.isEmpty() ? "." : "; not undone: " + String.join("; ", notes) + ".")
                + (finallyFailed == null ? "" : "\n" + finallyFailed);
        batch.add(run(RunState.COMPENSATED, message));
        endLocks(batch);
        flush(batch);
        return new Result(runId, RunState.COMPENSATED, message);
    }

    /**
     * Runs the registered compensations in reverse order, each at most once (keyed by run and step),
     * and returns the failures. Used on failure and by a rollback run (failover.undo).
     */
    List<String> compensate(List<Entry> batch, String reason) {
        batch.add(run(RunState.COMPENSATING, reason));
        flush(batch);
        reload();
        List<String> failures = new ArrayList<>();
        for (RunView.Item c : view.compensationsInReverse()) {
            if (UNDONE.contains(c.state())) {
                continue; // keyed by run and step: never repeated; a failed one is tried again
            }
            String failure = compensateOne(c, batch);
            flush(batch);
            if (failure != null) {
                // Reverse order is a promise: an earlier step's undo may restore what this one's should
                // have restored first, and retrying this one later would then undo it again.
                long waiting = view.compensationsInReverse().stream()
                        .dropWhile(x -> !x.id().equals(c.id())).skip(1)
                        .filter(x -> !UNDONE.contains(x.state())).count();
                failures.add(failure + (waiting == 0 ? "" : "; the undo of " + waiting + " earlier step"
                        + (waiting == 1 ? "" : "s") + " waits for it"));
                break;
            }
        }
        return failures;
    }

    private String compensateOne(RunView.Item c, List<Entry> batch) {
        PlannedStep s = byId.get(c.id());
        RunView.Item step = view.step(c.id()).orElse(null);
        JsonNode registration = c.first();
        boolean succeeded = step != null && step.state().equals("succeeded");
        if (registration.has("coveredBy")) {
            batch.add(comp(c.id(), "covered", JSON.objectNode().put("reason", "undone by the compensation of "
                    + registration.get("coveredBy").asText())));
            return null;
        }
        JsonNode result = succeeded ? step.result() : null;
        if (!succeeded) {
            try {
                Primitive p = engine.primitive(s.uses());
                Observation o = observe(p, new Call(runId, s.id(), Call.Phase.APPLY, params(s), scope.bindings()));
                switch (o) {
                    case Observation.NotApplied n -> {
                        batch.add(comp(c.id(), "not-needed", JSON.objectNode().put("reason", "step " + s.id()
                                + " did not take effect")));
                        return null;
                    }
                    case Observation.Applied a -> result = a.result();
                    case Observation.Unknown u -> result = null;
                }
            } catch (PrimitiveException | Expressions.EvaluationException e) {
                result = null;
            }
        }
        if (registration.has("irreversible")) {
            batch.add(comp(c.id(), "irreversible", JSON.objectNode().put("reason", registration.get("irreversible").asText())));
            return null;
        }
        String uses = registration.get("uses").asText();
        Primitive undo;
        JsonNode params;
        try {
            undo = engine.primitive(uses);
            params = scope.resolve(s.undo().with(), s.undo().deferred(), result == null ? JSON.objectNode() : result);
        } catch (PrimitiveException | Expressions.EvaluationException e) {
            String error = "cannot undo step " + s.id() + " with " + uses + ": " + e.getMessage()
                    + (result == null ? " (its result is unknown: the step was interrupted)" : "");
            batch.add(comp(c.id(), "failed", JSON.objectNode().put("error", error)));
            return error;
        }
        Call call = new Call(runId, s.id(), Call.Phase.COMPENSATE, params, scope.bindings());
        boolean unsafeToRepeat = undo.spec().mutates() && !undo.spec().idempotent();
        if (c.state().equals("running") && unsafeToRepeat) {
            Observation o = observe(undo, call);
            if (o instanceof Observation.Applied a) {
                batch.add(comp(c.id(), "done", JSON.objectNode().set("result", a.result())));
                return null;
            }
            if (o instanceof Observation.Unknown u) {
                String error = "undo " + uses + " of step " + s.id() + " was interrupted and " + u.reason();
                batch.add(comp(c.id(), "failed", JSON.objectNode().put("error", error)));
                return error;
            }
        }
        String error = null;
        int attempts = Math.max(1, engine.options().compensationAttempts());
        for (int attempt = 1; attempt <= attempts; attempt++) {
            batch.add(comp(c.id(), "running", JSON.objectNode().put("attempt", attempt).put("uses", uses)));
            flush(batch);
            try {
                JsonNode r = Calls.apply(undo, call, timeout(s), engine.options().cancelGrace());
                CrashPoints.boundary("compensated " + runId + "/" + s.id());
                batch.add(comp(c.id(), "done", JSON.objectNode().set("result", r)));
                return null;
            } catch (PrimitiveException | Calls.TimedOut e) {
                error = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = "cancelled";
                break;
            }
            if (unsafeToRepeat && observe(undo, call) instanceof Observation.Applied a) {
                batch.add(comp(c.id(), "done", JSON.objectNode().set("result", a.result())));
                return null;
            }
            if (attempt < attempts) {
                try {
                    engine.options().sleeper().sleep(Backoff.delay(null, attempt));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        String message = "undo " + uses + " of step " + s.id() + " (" + s.pointer() + "/undo) failed: " + error;
        batch.add(comp(c.id(), "failed", JSON.objectNode().put("error", message)));
        return message;
    }

    /** A step's journal entry names the primitive it calls, when it calls one: status reads it. */
    private static ObjectNode withUses(ObjectNode data, PlannedStep s) {
        return s.uses() == null ? data : data.put("uses", s.uses());
    }

    private Entry comp(String stepId, String state, JsonNode data) {
        return Entry.of(runId, Entry.Kind.COMPENSATION, stepId, state, data);
    }

    // ------------------------------------------------------------------------------------ decisions

    /**
     * Records a decision on a run that awaits one. A decision past its deadline is the timeout's:
     * {@code onTimeout}, and an automatic commit only when {@code commitWhen} holds.
     */
    Operation.Outcome decide(Operation.Outcome requested, String by, List<Entry> batch) {
        reload();
        PlannedStep s = plan.steps().stream().filter(p -> "decision".equals(p.kind()))
                .filter(p -> view.step(p.id()).map(i -> i.state().equals("awaiting-decision")).orElse(false))
                .findFirst().orElseThrow(() -> new IllegalStateException("run " + runId + " awaits no decision"));
        JsonNode waiting = view.step(s.id()).orElseThrow().last();
        Operation.Outcome outcome = requested;
        String decidedBy = by;
        String reason = "operator";
        if (waiting.has("deadline") && Instant.now().isAfter(Instant.parse(waiting.get("deadline").asText()))) {
            outcome = Operation.Outcome.byId(waiting.path("onTimeout").asText("rollback")).orElse(Operation.Outcome.ROLLBACK);
            decidedBy = "timeout";
            reason = "no decision by " + waiting.get("deadline").asText() + "; onTimeout " + outcome;
            if (outcome == Operation.Outcome.COMMIT && waiting.has("commitWhen")) {
                try {
                    if (!scope.test(waiting.get("commitWhen").asText(), null)) {
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
        batch.add(Entry.of(runId, Entry.Kind.DECISION, s.id(), outcome.id(), data));
        batch.add(Entry.of(runId, Entry.Kind.STEP, s.id(), "succeeded", JSON.objectNode().set("result", data)));
        flush(batch);
        return outcome;
    }
}
