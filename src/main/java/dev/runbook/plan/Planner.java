package dev.runbook.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Interpolation;
import dev.runbook.load.Loaded;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Document;
import dev.runbook.model.Durations;
import dev.runbook.model.Hashes;
import dev.runbook.model.Inventory;
import dev.runbook.model.LifecycleState;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.SourceSpan;
import dev.runbook.model.Step;
import dev.runbook.primitive.Catalog;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.SiteBindings;
import dev.runbook.template.GuestModel;
import dev.runbook.template.Templates;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds a runbook to an inventory VM and inputs: evaluates every expression that is known before the
 * run, decides static {@code when} guards, renders guest scripts, orders the steps and computes the
 * compensation chain. Everything it cannot do is a located diagnostic, never an exception.
 */
public final class Planner {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Catalog catalog;
    private final Expressions expressions;
    private final Templates templates;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private Runbook runbook;
    private Map<String, JsonNode> roots;
    private Map<String, Object> templateModel;
    /** Why the VM's values may not reach a guest script, if they may not; reported by a staging step. */
    private Diagnostic guestInvalid;

    public Planner(Catalog catalog, Expressions expressions, Templates templates) {
        this.catalog = catalog;
        this.expressions = expressions;
        this.templates = templates;
    }

    /** A request to plan: which VM, and inputs given on the command line as text. */
    public record Request(String vm, Map<String, String> sets) {
    }

    public Loaded<Plan> plan(Runbook runbook, Inventory inventory, Request request) {
        this.runbook = runbook;
        diagnostics.clear();
        Optional<Inventory.Vm> vm = inventory.vm(request.vm());
        if (vm.isEmpty()) {
            diagnostics.add(Diagnostic.error(inventory.document().at("/spec/vms"), "unknown-vm", "inventory has no VM '"
                    + request.vm() + "'; VMs: " + String.join(", ", inventory.vms().stream().map(Inventory.Vm::name).toList())));
            return failed();
        }
        Map<String, JsonNode> inputs = Inputs.bind(runbook, request, diagnostics);
        if (hasErrors()) {
            return failed();
        }
        roots = Bindings.roots(runbook, inventory, vm.get(), inputs);
        templateModel = Bindings.templateModel(roots);
        guestInvalid = null;
        try {
            templateModel.put("guest", GuestModel.of(vm.get().json()));
        } catch (GuestModel.Invalid e) {
            guestInvalid = Diagnostic.error(inventory.document().at(vm.get().pointer() + e.pointer()), "guest-value",
                    e.getMessage());
        }

        List<String> locks = new ArrayList<>();
        for (Param lock : runbook.locks()) {
            Resolved r = resolve(lock.value(), lock.pointer());
            locks.add(r.value().asText());
        }
        List<Plan.PlannedPrecheck> prechecks = runbook.prechecks().stream().map(this::precheck).toList();
        List<Plan.PlannedStep> steps = steps(Order.sort(runbook.steps()), "");
        List<Plan.PlannedStep> finallySteps = steps(Order.sort(runbook.finallySteps()), "F");
        List<Plan.Compensation> compensation = Compensations.chain(steps);
        if (hasErrors()) {
            return failed();
        }
        var op = runbook.operation();
        Plan plan = new Plan(Plan.VERSION,
                new Plan.Source(runbook.metadata().name(), runbook.metadata().version(), runbook.document().file(),
                        runbook.document().sha256()),
                new Plan.Source(inventory.name(), inventory.document().root().path("metadata").path("version").asText(null),
                        inventory.document().file(), inventory.document().sha256()),
                vm.get().name(), op.id(),
                new Plan.Lifecycle(op.from().stream().map(LifecycleState::id).toList(), op.to().id()),
                inputs, locks, prechecks, steps, finallySteps, compensation, staticBindings(), null, null);
        return new Loaded<>(Optional.of(plan.withHash(hash(plan))), List.copyOf(diagnostics));
    }

    private Map<String, JsonNode> staticBindings() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String name : List.of("vm", SiteBindings.RECOVERY, SiteBindings.PROTECTED, "networks")) {
            out.put(name, roots.get(name));
        }
        return out;
    }

    /** The plan's content hash: SHA-256 over its JSON without the hash. */
    public static String hash(Plan plan) {
        try {
            return "sha256:" + Hashes.sha256(MAPPER.writeValueAsString(plan.withHash(null)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Plan.PlannedPrecheck precheck(Runbook.Precheck p) {
        Resolved with = resolve(p.with().value(), p.with().pointer());
        Resolved fix = resolve(p.fix().value(), p.fix().pointer());
        String summary = catalog.find(p.probe()).map(s -> Summaries.fill(s.summary(), with.value())).orElse(null);
        String fixText = fix.deferred().isEmpty() ? fix.value().asText() : p.fix().value().asText();
        return new Plan.PlannedPrecheck(p.id(), p.probe(), summary, with.value(), with.deferred(), p.require().text(),
                fixText, p.severity().id(), p.description());
    }

    private List<Plan.PlannedStep> steps(List<Step> steps, String prefix) {
        List<Plan.PlannedStep> out = new ArrayList<>();
        int i = 1;
        for (Step s : steps) {
            String index = prefix.isEmpty() ? String.valueOf(i) : prefix + (prefix.equals("F") ? "" : ".") + i;
            out.add(step(s, index));
            i++;
        }
        return out;
    }

    private Plan.PlannedStep step(Step s, String index) {
        var c = s.common();
        Plan.Guard when = c.when().map(e -> guard(e.text(), e.pointer())).orElse(null);
        boolean skipped = when != null && when.value().equals("false");
        String timeout = c.timeout().map(Durations::format).orElse(null);
        String require = c.require().map(e -> e.text()).orElse(null);
        return switch (s) {
            case Step.Action a -> action(a, index, when, require, timeout, skipped);
            case Step.Parallel p -> new Plan.PlannedGroup(index, p.id(), c.name(), c.description(),
                    nullIfEmpty(c.needs()), when, require, timeout, p.concurrency(), p.failFast(),
                    steps(Order.sort(p.steps()), index), skipped, p.pointer());
            case Step.Decision d -> new Plan.PlannedDecision(index, d.id(), c.name(), c.description(),
                    nullIfEmpty(c.needs()), when, require, timeout, decision(d), skipped, d.pointer());
        };
    }

    private Plan.Decision decision(Step.Decision d) {
        String prompt = d.prompt() == null ? null
                : resolve(JSON.textNode(d.prompt()), d.pointer() + "/decision/prompt").value().asText();
        return new Plan.Decision(prompt, d.options().stream().map(o -> o.id()).toList(),
                d.decisionTimeout().map(Durations::format).orElse(null), d.onTimeout().map(o -> o.id()).orElse(null),
                d.commitWhen().map(e -> e.text()).orElse(null));
    }

    private Plan.PlannedAction action(Step.Action a, String index, Plan.Guard when, String require, String timeout,
                                    boolean skipped) {
        PrimitiveSpec spec = catalog.find(a.uses()).orElseThrow();
        Resolved with = resolve(a.with().value(), a.with().pointer());
        checkTypes(spec, with, a.with().pointer());
        Plan.Undo undo = a.undo().map(u -> undo(u, spec, a)).orElse(null);
        List<Plan.Script> scripts = null;
        if (a.uses().equals("remediation.stage") && !skipped && guestInvalid != null) {
            diagnostics.add(guestInvalid);
        } else if (a.uses().equals("remediation.stage") && !skipped) {
            scripts = Scripts.render(templates, templateModel, with, a.with().pointer(), new Scripts.Errors() {
                @Override
                public void error(String pointer, String rule, String message) {
                    Planner.this.error(pointer, rule, message);
                }

                @Override
                public void warning(SourceSpan at, String rule, String message) {
                    Diagnostic d = Diagnostic.warning(at, rule, message);
                    if (!diagnostics.contains(d)) { // a template staged by several steps is read at each
                        diagnostics.add(d);
                    }
                }
            });
        }
        Plan.Retry retry = a.retry().map(r -> new Plan.Retry(r.attempts(), Durations.format(r.backoff()),
                Durations.format(r.maxBackoff()), r.jitter())).orElse(null);
        return new Plan.PlannedAction(index, a.id(), a.common().name(), a.common().description(), a.uses(),
                Summaries.fill(spec.summary(), with.value()), spec.mutates(), with.value(), with.deferred(),
                nullIfEmpty(a.common().needs()), when, require, retry, timeout, undo, a.irreversible().orElse(null),
                scripts, skipped, a.pointer());
    }

    /**
     * The undo's parameters: the step's own parameters that the undo primitive also takes, overlaid
     * with the undo's {@code with}. So {@code undo: {uses: replication.start-export}} needs no repetition.
     */
    private Plan.Undo undo(Step.Undo u, PrimitiveSpec stepSpec, Step.Action a) {
        if (u instanceof Step.CoveredBy c) {
            return new Plan.Undo(null, null, null, null, c.stepId());
        }
        Step.UndoCall call = (Step.UndoCall) u;
        PrimitiveSpec spec = catalog.find(call.uses()).orElseThrow();
        ObjectNode merged = JSON.objectNode();
        Iterator<Map.Entry<String, JsonNode>> own = a.with().value().fields();
        Map<String, String> pointers = new LinkedHashMap<>();
        while (own.hasNext()) {
            var e = own.next();
            if (spec.param(e.getKey()).isPresent()) {
                merged.set(e.getKey(), e.getValue());
                pointers.put(e.getKey(), Document.child(a.with().pointer(), e.getKey()));
            }
        }
        call.with().value().fields().forEachRemaining(e -> {
            merged.set(e.getKey(), e.getValue());
            pointers.put(e.getKey(), Document.child(call.with().pointer(), e.getKey()));
        });
        ObjectNode resolved = JSON.objectNode();
        List<String> deferred = new ArrayList<>();
        for (var e : pointers.entrySet()) {
            Resolved r = resolve(merged.get(e.getKey()), e.getValue());
            resolved.set(e.getKey(), r.value());
            r.deferred().forEach(d -> deferred.add("/" + e.getKey() + d));
        }
        for (PrimitiveSpec.ParamSpec p : spec.params()) {
            if (p.required() && !resolved.has(p.name())) {
                error(call.pointer(), "undo", "undo '" + call.uses() + "' of step '" + a.id() + "' needs parameter '"
                        + p.name() + "', which neither the undo nor the step gives; add it under undo.with");
            }
        }
        return new Plan.Undo(call.uses(), Summaries.fill(spec.summary(), resolved), resolved,
                deferred.isEmpty() ? null : deferred, null);
    }

    private void checkTypes(PrimitiveSpec spec, Resolved with, String pointer) {
        with.value().fields().forEachRemaining(e -> {
            String at = Document.child(pointer, e.getKey());
            boolean isDeferred = with.deferred().stream().anyMatch(d -> d.equals("/" + e.getKey())
                    || d.startsWith("/" + e.getKey() + "/"));
            if (isDeferred) {
                return;
            }
            spec.param(e.getKey()).ifPresent(p -> {
                var msg = dev.runbook.check.ParamTypes.mismatch(e.getValue(), p.type());
                msg.ifPresent(m -> error(at, "param", "parameter '" + e.getKey() + "' of '" + spec.name()
                        + "' evaluated to " + abbreviate(e.getValue()) + ", which " + m));
            });
        });
    }

    private Plan.Guard guard(String expression, String pointer) {
        if (Expressions.isDynamic(expression)) {
            return new Plan.Guard(expression, Plan.Guard.AT_RUN_TIME);
        }
        try {
            return new Plan.Guard(expression, String.valueOf(expressions.test(expression, roots)));
        } catch (Expressions.EvaluationException e) {
            error(pointer, "expression", "'" + expression + "' " + e.getMessage());
            return new Plan.Guard(expression, Plan.Guard.AT_RUN_TIME);
        }
    }

    /** A value with its static expressions evaluated, and pointers (relative) of what stays deferred. */
    record Resolved(JsonNode value, List<String> deferred) {
    }

    private Resolved resolve(JsonNode node, String pointer) {
        List<String> deferred = new ArrayList<>();
        JsonNode value = resolve(node, pointer, "", deferred);
        return new Resolved(value, deferred);
    }

    private JsonNode resolve(JsonNode node, String pointer, String relative, List<String> deferred) {
        if (node.isTextual()) {
            return interpolate(node.asText(), pointer, relative, deferred);
        }
        if (node.isObject()) {
            ObjectNode out = JSON.objectNode();
            node.fields().forEachRemaining(e -> out.set(e.getKey(), resolve(e.getValue(),
                    Document.child(pointer, e.getKey()), Document.child(relative, e.getKey()), deferred)));
            return out;
        }
        if (node.isArray()) {
            var out = JSON.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                out.add(resolve(node.get(i), pointer + "/" + i, relative + "/" + i, deferred));
            }
            return out;
        }
        return node;
    }

    private JsonNode interpolate(String text, String pointer, String relative, List<String> deferred) {
        Interpolation.Parsed parsed = Interpolation.parse(text);
        if (!parsed.hasCode()) {
            return JSON.textNode(text);
        }
        boolean dynamic = parsed.parts().stream().anyMatch(p -> p instanceof Interpolation.Code c
                && Expressions.isDynamic(c.expression()));
        if (dynamic) {
            deferred.add(relative);
            return JSON.textNode(text);
        }
        try {
            return Interpolation.render(text, e -> expressions.evaluate(e, roots));
        } catch (Expressions.EvaluationException e) {
            error(pointer, "expression", "'" + text + "' " + e.getMessage());
            return JSON.textNode(text);
        }
    }

    void error(String pointer, String rule, String message) {
        diagnostics.add(Diagnostic.error(at(pointer), rule, message));
    }

    private SourceSpan at(String pointer) {
        return runbook.document().at(pointer);
    }

    private boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    private Loaded<Plan> failed() {
        return new Loaded<>(Optional.empty(), List.copyOf(diagnostics));
    }

    private static <T> List<T> nullIfEmpty(List<T> list) {
        return list == null || list.isEmpty() ? null : list;
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
