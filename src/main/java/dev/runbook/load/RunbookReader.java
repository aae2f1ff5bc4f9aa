package dev.runbook.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.model.Document;
import dev.runbook.model.Durations;
import dev.runbook.model.Expr;
import dev.runbook.model.Operation;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.Runbook.Input;
import dev.runbook.model.Runbook.Precheck;
import dev.runbook.model.Step;
import dev.runbook.model.WindowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns a schema-valid runbook document into the model. Shape errors were reported by the schema. */
final class RunbookReader {

    private final Document doc;

    private RunbookReader(Document doc) {
        this.doc = doc;
    }

    static Runbook read(Document doc) {
        return new RunbookReader(doc).runbook();
    }

    private Runbook runbook() {
        JsonNode root = doc.root();
        JsonNode meta = root.get("metadata");
        JsonNode spec = root.get("spec");
        var metadata = new Runbook.Metadata(meta.get("name").asText(), meta.get("version").asText(),
                text(meta, "description"));
        Operation operation = Operation.byId(spec.get("operation").asText()).orElseThrow();
        return new Runbook(doc, metadata, operation, inputs(spec.path("inputs")), locks(spec.path("locks")),
                prechecks(spec.path("prechecks")), steps(spec.path("steps"), "/spec/steps"),
                steps(spec.path("finally"), "/spec/finally"));
    }

    private Map<String, Input> inputs(JsonNode inputs) {
        Map<String, Input> out = new LinkedHashMap<>();
        inputs.fields().forEachRemaining(e -> {
            JsonNode in = e.getValue();
            List<Object> allowed = new ArrayList<>();
            in.path("enum").forEach(v -> allowed.add(plain(v)));
            out.put(e.getKey(), new Input(e.getKey(), in.get("type").asText(), in.path("required").asBoolean(false),
                    in.has("default") ? plain(in.get("default")) : null, List.copyOf(allowed),
                    text(in, "description"), "/spec/inputs/" + e.getKey()));
        });
        return out;
    }

    private List<Param> locks(JsonNode locks) {
        List<Param> out = new ArrayList<>();
        for (int i = 0; i < locks.size(); i++) {
            out.add(new Param(locks.get(i), "/spec/locks/" + i));
        }
        return out;
    }

    private List<Precheck> prechecks(JsonNode prechecks) {
        List<Precheck> out = new ArrayList<>();
        for (int i = 0; i < prechecks.size(); i++) {
            JsonNode p = prechecks.get(i);
            String at = "/spec/prechecks/" + i;
            Precheck.Severity severity = "warning".equals(p.path("severity").asText())
                    ? Precheck.Severity.WARNING : Precheck.Severity.BLOCKING;
            out.add(new Precheck(p.get("id").asText(), p.get("probe").asText(), with(p, at),
                    new Expr(p.get("require").asText(), at + "/require"), new Param(p.get("fix"), at + "/fix"),
                    severity, text(p, "description"), at));
        }
        return out;
    }

    private List<Step> steps(JsonNode steps, String at) {
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            out.add(step(steps.get(i), at + "/" + i));
        }
        return List.copyOf(out);
    }

    private Step step(JsonNode s, String at) {
        List<String> needs = new ArrayList<>();
        s.path("needs").forEach(n -> needs.add(n.asText()));
        var common = new Step.Common(s.get("id").asText(), text(s, "name"), text(s, "description"),
                List.copyOf(needs), expr(s, "when", at), expr(s, "require", at), duration(s, "timeout"), at);
        if (s.has("parallel")) {
            JsonNode p = s.get("parallel");
            List<Step> branches = steps(p.get("steps"), at + "/parallel/steps");
            return new Step.Parallel(common, p.path("concurrency").asInt(branches.size()),
                    p.path("failFast").asBoolean(true), branches);
        }
        if (s.has("decision")) {
            JsonNode d = s.get("decision");
            List<Operation.Outcome> options = new ArrayList<>();
            d.get("options").forEach(o -> options.add(Operation.Outcome.byId(o.asText()).orElseThrow()));
            return new Step.Decision(common, text(d, "prompt"), List.copyOf(options), duration(d, "timeout"),
                    Optional.ofNullable(d.get("onTimeout")).flatMap(o -> WindowPolicy.byId(o.asText())),
                    expr(d, "commitWhen", at + "/decision"));
        }
        return new Step.Action(common, s.get("uses").asText(), with(s, at), retry(s.get("retry")),
                undo(s.get("undo"), at + "/undo"), Optional.ofNullable(s.get("irreversible")).map(JsonNode::asText));
    }

    private Optional<Step.Retry> retry(JsonNode r) {
        if (r == null) {
            return Optional.empty();
        }
        Duration backoff = r.has("backoff") ? Durations.parse(r.get("backoff").asText()) : Duration.ofSeconds(1);
        Duration max = r.has("maxBackoff") ? Durations.parse(r.get("maxBackoff").asText()) : Duration.ofMinutes(1);
        return Optional.of(new Step.Retry(r.get("attempts").asInt(), backoff, max, r.path("jitter").asDouble(0.2)));
    }

    private Optional<Step.Undo> undo(JsonNode u, String at) {
        if (u == null) {
            return Optional.empty();
        }
        if (u.has("coveredBy")) {
            return Optional.of(new Step.CoveredBy(u.get("coveredBy").asText(), at + "/coveredBy"));
        }
        return Optional.of(new Step.UndoCall(u.get("uses").asText(), with(u, at), at));
    }

    private static Param with(JsonNode node, String at) {
        JsonNode with = node.get("with");
        return new Param(with != null ? with : JsonNodeFactory.instance.objectNode(), at + "/with");
    }

    private static Optional<Expr> expr(JsonNode node, String key, String at) {
        return Optional.ofNullable(node.get(key)).map(v -> new Expr(v.asText(), at + "/" + key));
    }

    private static Optional<Duration> duration(JsonNode node, String key) {
        return Optional.ofNullable(node.get(key)).map(v -> Durations.parse(v.asText()));
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null ? null : v.asText();
    }

    static Object plain(JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isIntegralNumber()) {
            return v.longValue();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        return v.asText();
    }
}
