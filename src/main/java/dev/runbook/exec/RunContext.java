package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Durations;
import dev.runbook.model.Operation;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Plan.PlannedAction;
import dev.runbook.plan.Plan.PlannedStep;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the parts that drive one run share: the run's record and plan, its expression scope, its
 * journal, and the view of it that the journal gave when driving (re)started.
 */
final class RunContext {

    final Engine engine;
    final Journal journal;
    final RunRecord record;
    final Plan plan;
    final String runId;
    final RunScope scope;
    /** When the whole run must end (its runTimeout), or null. */
    final Instant deadline;
    private final Map<String, PlannedStep> byId = new HashMap<>();
    private RunView view;

    RunContext(Engine engine, RunRecord record, Plan plan) {
        this.engine = engine;
        this.journal = engine.journal();
        this.record = record;
        this.plan = plan;
        this.runId = record.id();
        this.scope = new RunScope(engine.expressions(), plan, runId, record.parent());
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
            index(s.children());
        }
    }

    /** Reads the run back from its journal, and gives the scope every step that has ended. */
    void reload() {
        view = RunView.of(journal, runId);
        view.steps().values().forEach(i -> {
            StepState state = StepState.of(i.state());
            if (state != null && state.ended()) {
                scope.finished(i.id(), state, i.result());
            }
        });
    }

    RunView view() {
        return view;
    }

    PlannedStep step(String id) {
        return byId.get(id);
    }

    Operation operation() {
        return Operation.byId(plan.operation()).orElseThrow();
    }

    Batch batch() {
        return new Batch(journal, runId, engine.owner());
    }

    Primitive primitive(String name) throws PrimitiveException {
        return engine.primitive(name);
    }

    Options options() {
        return engine.options();
    }

    /** The step's parameters as the primitive takes them: deferred values evaluated, scripts attached. */
    JsonNode params(PlannedAction s) throws Expressions.EvaluationException {
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

    /** The step's own timeout, bounded by the engine's cap and by what is left of the run's deadline. */
    Duration timeout(PlannedStep s) {
        Duration t = s.timeout() == null ? null : Durations.parse(s.timeout());
        Duration cap = options().timeoutCap();
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
}
