package dev.runbook.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A planned run: plain data, serialisable to JSON, identified by a hash over its content (which holds
 * the runbook's and the inventory's content hashes, the inputs and every rendered script). What is only
 * known while running stays as written and is listed in {@code deferred} (JSON pointers into
 * {@code with}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Plan(int planVersion, Source runbook, Source inventory, String vm, String operation, Lifecycle lifecycle,
                   Map<String, JsonNode> inputs, List<String> locks, List<PlannedPrecheck> prechecks,
                   List<PlannedStep> steps, List<PlannedStep> finallySteps, List<Compensation> compensation,
                   Map<String, JsonNode> bindings, Map<String, JsonNode> observed, String hash) {

    public static final int VERSION = 1;

    public Plan withHash(String hash) {
        return new Plan(planVersion, runbook, inventory, vm, operation, lifecycle, inputs, locks, prechecks, steps,
                finallySteps, compensation, bindings, observed, hash);
    }

    /** The same plan with the live state observed while planning (probe results by precheck id). */
    public Plan withObserved(Map<String, JsonNode> observed) {
        Plan p = new Plan(planVersion, runbook, inventory, vm, operation, lifecycle, inputs, locks, prechecks, steps,
                finallySteps, compensation, bindings, observed, null);
        return p.withHash(Planner.hash(p));
    }

    /** A source file by name, version and content hash. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(String name, String version, String file, String sha256) {
    }

    public record Lifecycle(List<String> from, String to) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlannedPrecheck(String id, String probe, String summary, JsonNode with, List<String> deferred,
                                  String require, String fix, String severity, String description) {
    }

    /** A guard and, when it could be decided while planning, its value. */
    public record Guard(String expression, String value) {
        public static final String AT_RUN_TIME = "at-run-time";
    }

    /**
     * A step as it will run: an action, a parallel group or a decision point. The JSON form names the
     * kind in a {@code kind} property, third after {@code index} and {@code id}, as saved plans and
     * journals have always held it.
     */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "kind")
    @JsonSubTypes({@JsonSubTypes.Type(value = PlannedAction.class, name = PlannedAction.KIND),
            @JsonSubTypes.Type(value = PlannedGroup.class, name = PlannedGroup.KIND),
            @JsonSubTypes.Type(value = PlannedDecision.class, name = PlannedDecision.KIND)})
    public sealed interface PlannedStep permits PlannedAction, PlannedGroup, PlannedDecision {

        /** Its number in the preview: {@code 3}, {@code 4.2}, {@code F1}. */
        String index();

        String id();

        @JsonProperty("kind")
        String kind();

        String name();

        String description();

        List<String> needs();

        Guard when();

        String require();

        String timeout();

        /** True when a {@code when} guard was false while planning: the step will not run. */
        boolean skipped();

        /** Where the step is written in its runbook, as a JSON pointer ({@code /spec/steps/3}). */
        String pointer();

        /** The steps inside a group; none for the other kinds. */
        default List<PlannedStep> children() {
            return List.of();
        }
    }

    /** A call of one primitive, with its undo or the reason it cannot be undone. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"index", "id", "kind", "name", "description", "uses", "summary", "mutates", "with", "deferred",
            "needs", "when", "require", "retry", "timeout", "undo", "irreversible", "scripts", "skipped", "pointer"})
    public record PlannedAction(String index, String id, String name, String description, String uses, String summary,
                                boolean mutates, JsonNode with, List<String> deferred, List<String> needs, Guard when,
                                String require, Retry retry, String timeout, Undo undo, String irreversible,
                                List<Script> scripts, boolean skipped, String pointer) implements PlannedStep {
        static final String KIND = "action";

        @Override
        public String kind() {
            return KIND;
        }
    }

    /** Steps that run concurrently, at most {@code concurrency} at once. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"index", "id", "kind", "name", "description", "needs", "when", "require", "timeout",
            "concurrency", "failFast", "steps", "skipped", "pointer"})
    public record PlannedGroup(String index, String id, String name, String description, List<String> needs,
                               Guard when, String require, String timeout, Integer concurrency, Boolean failFast,
                               List<PlannedStep> steps, boolean skipped, String pointer) implements PlannedStep {
        static final String KIND = "parallel";

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public List<PlannedStep> children() {
            return steps;
        }
    }

    /** Where the run suspends until an operator (or the decision's window) decides. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"index", "id", "kind", "name", "description", "needs", "when", "require", "timeout",
            "decision", "skipped", "pointer"})
    public record PlannedDecision(String index, String id, String name, String description, List<String> needs,
                                  Guard when, String require, String timeout, Decision decision, boolean skipped,
                                  String pointer) implements PlannedStep {
        static final String KIND = "decision";

        @Override
        public String kind() {
            return KIND;
        }
    }

    public record Retry(int attempts, String backoff, String maxBackoff, double jitter) {
    }

    /** A compensation: a primitive call, or the step whose undo also covers this one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Undo(String uses, String summary, JsonNode with, List<String> deferred, String coveredBy) {
    }

    /** A guest file rendered from a template, staged into the replica root disk. */
    public record Script(String template, String path, String mode, String sha256, String content) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Decision(String prompt, List<String> options, String timeout, String onTimeout, String commitWhen) {
    }

    /** One entry of the compensation chain, in the order it would run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Compensation(String step, String uses, String coveredBy, String irreversible) {
    }
}
