package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Interpolation;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.SiteBindings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names a run's expressions read: the plan's static bindings and inputs, {@code run}, and
 * {@code steps} (each finished step's state and result). Thread-safe: parallel branches share it.
 */
final class RunScope {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Expressions expressions;
    private final Map<String, JsonNode> fixed = new HashMap<>();
    private final Map<String, ObjectNode> steps = new ConcurrentHashMap<>();
    private volatile ObjectNode stepsNode;
    private Map<String, JsonNode> bindings;

    RunScope(Expressions expressions, Plan plan, String runId, String parent) {
        this.expressions = expressions;
        fixed.putAll(SiteBindings.canonical(plan.bindings())); // a run journaled before may use the earlier keys
        ObjectNode inputs = JSON.objectNode();
        plan.inputs().forEach(inputs::set);
        fixed.put("inputs", inputs);
        fixed.put("runbook", JSON.objectNode().put("name", plan.runbook().name())
                .put("version", plan.runbook().version()).put("operation", plan.operation()));
        ObjectNode run = JSON.objectNode().put("id", runId).put("vm", plan.vm()).put("operation", plan.operation());
        if (parent != null) {
            run.put("parent", parent);
        }
        fixed.put("run", run);
    }

    Map<String, JsonNode> bindings() {
        if (bindings == null) {
            bindings = Map.copyOf(fixed);
        }
        return bindings;
    }

    void finished(String stepId, StepState state, JsonNode result) {
        ObjectNode s = JSON.objectNode().put("state", state.id());
        if (result != null) {
            s.set("result", result);
        }
        steps.put(stepId, s);
        stepsNode = null;
    }

    private final Map<String, Boolean> readsSteps = new ConcurrentHashMap<>();

    private Map<String, JsonNode> roots(String text, JsonNode result) {
        Map<String, JsonNode> roots = new HashMap<>(fixed);
        if (result != null) {
            roots.put("result", result);
        }
        // building `steps` costs a copy of every finished step: only for texts that may read it (a
        // substring test, since a text may be an interpolation rather than one expression)
        if (!readsSteps.computeIfAbsent(text, t -> t.contains("steps"))) {
            return roots;
        }
        ObjectNode s = stepsNode;
        if (s == null) {
            // a new object each time steps change: the sandbox caches its copy of a root by identity
            s = JSON.objectNode();
            steps.forEach(s::set);
            stepsNode = s;
        }
        roots.put("steps", s);
        return roots;
    }

    boolean test(String expression, JsonNode result) throws Expressions.EvaluationException {
        Map<String, JsonNode> roots = roots(expression, result);
        synchronized (expressions) {
            return expressions.test(expression, roots);
        }
    }

    JsonNode render(String text, JsonNode result) throws Expressions.EvaluationException {
        Map<String, JsonNode> roots = roots(text, result);
        synchronized (expressions) {
            return Interpolation.render(text, e -> expressions.evaluate(e, roots));
        }
    }

    /** The value with every deferred pointer (relative to it) evaluated now. */
    JsonNode resolve(JsonNode value, List<String> deferred, JsonNode result) throws Expressions.EvaluationException {
        if (value == null || deferred == null || deferred.isEmpty()) {
            return value;
        }
        JsonNode out = value.deepCopy();
        for (String pointer : deferred) {
            if (pointer.isEmpty()) {
                out = render(out.asText(), result);
                continue;
            }
            int cut = pointer.lastIndexOf('/');
            JsonNode parent = out.at(pointer.substring(0, cut));
            String last = pointer.substring(cut + 1).replace("~1", "/").replace("~0", "~");
            JsonNode rendered = render(out.at(pointer).asText(), result);
            if (parent instanceof ObjectNode o) {
                o.set(last, rendered);
            } else if (parent instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
                a.set(Integer.parseInt(last), rendered);
            }
        }
        return out;
    }
}
