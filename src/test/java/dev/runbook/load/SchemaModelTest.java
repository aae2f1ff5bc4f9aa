package dev.runbook.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.model.Operation;
import dev.runbook.model.Runbook;
import dev.runbook.model.Step;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema and the Java model cannot drift apart: every schema property maps to a record
 * component (and back), through a short table of the few names Java spells differently.
 */
class SchemaModelTest {

    private static final JsonNode SCHEMA = SchemaCheck.named("runbook-v1").schemaJson();

    /** Schema property -> component name, where they differ. */
    private static final Map<String, String> RENAMED = Map.of("default", "defaultValue", "enum", "allowed",
            "finally", "finallySteps");

    /** Components derived from the document rather than read from one property. */
    private static final Set<String> DERIVED = Set.of("common", "pointer", "document", "name", "metadata",
            "operation", "concurrency", "failFast", "steps");

    private static Set<String> properties(String def) {
        Set<String> out = new TreeSet<>();
        SCHEMA.at("/$defs/" + def + "/properties").fieldNames().forEachRemaining(p -> out.add(RENAMED.getOrDefault(p, p)));
        return out;
    }

    private static Set<String> components(Class<?>... records) {
        Set<String> out = new TreeSet<>();
        for (Class<?> r : records) {
            for (RecordComponent c : r.getRecordComponents()) {
                out.add(c.getName());
            }
        }
        return out;
    }

    private static void same(String def, Set<String> schema, Set<String> model) {
        Set<String> onlySchema = new TreeSet<>(schema);
        onlySchema.removeAll(model);
        onlySchema.removeAll(DERIVED);
        Set<String> onlyModel = new TreeSet<>(model);
        onlyModel.removeAll(schema);
        onlyModel.removeAll(DERIVED);
        assertTrue(onlySchema.isEmpty() && onlyModel.isEmpty(), def + ": only in schema " + onlySchema
                + ", only in model " + onlyModel);
    }

    @Test
    void stepFieldsMatch() {
        Set<String> schema = properties("step");
        schema.removeAll(Set.of("parallel", "decision")); // the kinds: Step.Parallel, Step.Decision
        Set<String> model = components(Step.Common.class, Step.Action.class);
        same("step", schema, model);
    }

    @Test
    void decisionParallelRetryUndoPrecheckInputMatch() {
        Set<String> decision = properties("decision");
        decision.remove("timeout");
        decision.add("decisionTimeout"); // a decision's own timeout, beside the step's common one
        same("decision", decision, components(Step.Decision.class));
        Set<String> parallel = properties("parallel");
        assertEquals(Set.of("concurrency", "failFast", "steps"), parallel);
        same("retry", properties("retry"), components(Step.Retry.class));
        Set<String> undo = properties("undo");
        undo.remove("coveredBy");
        same("undo", undo, components(Step.UndoCall.class));
        same("precheck", properties("precheck"), components(Runbook.Precheck.class));
        same("input", properties("input"), components(Runbook.Input.class));
        same("metadata", properties("metadata"), components(Runbook.Metadata.class));
        same("spec", properties("spec"), components(Runbook.class));
    }

    @Test
    void enumsMatch() {
        List<String> operations = new ArrayList<>();
        SCHEMA.at("/$defs/operation/enum").forEach(n -> operations.add(n.asText()));
        assertEquals(operations, java.util.Arrays.stream(Operation.values()).map(Operation::id).toList());
        List<String> outcomes = new ArrayList<>();
        SCHEMA.at("/$defs/decision/properties/options/items/enum").forEach(n -> outcomes.add(n.asText()));
        assertEquals(outcomes, java.util.Arrays.stream(Operation.Outcome.values()).map(Operation.Outcome::id).toList());
    }
}
