package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs every precheck of a run before any change, and says which blocking ones failed. */
final class Prechecks {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RunContext run;

    Prechecks(RunContext run) {
        this.run = run;
    }

    /**
     * Runs them all (a failing one does not stop the others: the operator sees every condition to fix)
     * and journals each; the message listing the failing blocking ones with their fix text, if any.
     */
    Optional<String> blocking(Batch batch) {
        List<String> blocking = new ArrayList<>();
        for (Plan.PlannedPrecheck p : run.plan.prechecks()) {
            Optional<String> failure = one(p, batch);
            batch.publish(); // each outcome shows as it comes, not once the slowest probe of the run answered
            if (failure.isPresent() && p.severity().equals("blocking")) {
                blocking.add(failure.get());
            }
        }
        batch.flush();
        if (blocking.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(blocking.size() + " blocking precheck" + (blocking.size() == 1 ? "" : "s")
                + " failed; fix the readiness condition rather than repeating the operation:\n  - "
                + String.join("\n  - ", blocking));
    }

    /** The failure, with the precheck's fix text, or empty when it passed. */
    private Optional<String> one(Plan.PlannedPrecheck p, Batch batch) {
        ObjectNode data = JSON.objectNode().put("probe", p.probe());
        String failure;
        try {
            Primitive probe = run.primitive(p.probe());
            JsonNode params = run.scope.resolve(p.with(), p.deferred(), null);
            JsonNode result = probe.apply(new Call(run.runId, p.id(), Call.Phase.PROBE, params, run.scope.bindings()));
            data.set("result", result);
            if (run.scope.test(p.require(), result)) {
                batch.precheck(p.id(), PrecheckState.PASSED, data);
                return Optional.empty();
            }
            failure = p.id() + ": " + run.scope.render(p.fix(), result).asText();
        } catch (PrimitiveException | Expressions.EvaluationException e) {
            failure = p.id() + ": probe " + p.probe() + " failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = p.id() + ": interrupted";
        }
        data.put("error", failure);
        batch.precheck(p.id(), p.severity().equals("blocking") ? PrecheckState.BLOCKED : PrecheckState.WARNED, data);
        return Optional.of(failure);
    }
}
