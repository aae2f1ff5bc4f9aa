package dev.runbook.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.model.Document;
import dev.runbook.model.Durations;
import dev.runbook.model.Expr;
import dev.runbook.model.Operation;
import dev.runbook.model.RecoveryPlan;
import dev.runbook.model.RecoveryPlan.Gate;
import dev.runbook.model.Runbook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns a schema-valid recovery plan document into the model. */
final class RecoveryPlanReader {

    private static final Duration GATE_TIMEOUT = Duration.ofMinutes(5);

    private RecoveryPlanReader() {
    }

    static RecoveryPlan read(Document doc) {
        JsonNode meta = doc.root().get("metadata");
        JsonNode spec = doc.root().get("spec");
        JsonNode c = spec.path("concurrency");
        List<RecoveryPlan.Tier> tiers = new ArrayList<>();
        for (int i = 0; i < spec.get("tiers").size(); i++) {
            tiers.add(tier(spec.get("tiers").get(i), "/spec/tiers/" + i));
        }
        return new RecoveryPlan(doc, new Runbook.Metadata(meta.get("name").asText(), meta.get("version").asText(),
                meta.path("description").asText("")), Operation.byId(spec.get("operation").asText()).orElseThrow(),
                text(spec, "runbook"), new RecoveryPlan.Concurrency(c.path("vms").asInt(RecoveryPlan.Concurrency.DEFAULT_VMS),
                        c.path("perSite").asInt(0), c.path("bootingPerSite").asInt(0), c.path("heavyPerSite").asInt(0)),
                RecoveryPlan.FailurePolicy.of(spec.path("onFailure").asText("skipDependents")),
                text(spec, "rto").map(Durations::parse), List.copyOf(tiers));
    }

    private static RecoveryPlan.Tier tier(JsonNode t, String at) {
        List<RecoveryPlan.Member> members = new ArrayList<>();
        for (int i = 0; i < t.get("vms").size(); i++) {
            members.add(member(t.get("vms").get(i), at + "/vms/" + i));
        }
        return new RecoveryPlan.Tier(t.get("name").asText(),
                t.has("concurrency") ? Optional.of(t.get("concurrency").asInt()) : Optional.empty(), text(t, "runbook"),
                text(t, "rto").map(Durations::parse), gates(t.path("gates"), at + "/gates"), List.copyOf(members), at);
    }

    private static RecoveryPlan.Member member(JsonNode m, String at) {
        Map<String, String> labels = new LinkedHashMap<>();
        m.path("select").path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        Map<String, String> inputs = new LinkedHashMap<>();
        m.path("inputs").properties().forEach(e -> inputs.put(e.getKey(), e.getValue().asText()));
        List<RecoveryPlan.Edge> after = new ArrayList<>();
        for (int i = 0; i < m.path("after").size(); i++) {
            JsonNode e = m.get("after").get(i);
            String p = at + "/after/" + i;
            after.add(e.isTextual() ? new RecoveryPlan.Edge(e.asText(), RecoveryPlan.Wait.READY, p)
                    : new RecoveryPlan.Edge(e.get("vm").asText(), RecoveryPlan.Wait.of(e.path("for").asText("ready")), p));
        }
        return new RecoveryPlan.Member(text(m, "name"), Map.copyOf(labels), text(m, "runbook"), Map.copyOf(inputs),
                m.path("critical").asBoolean(false), List.copyOf(after),
                m.has("gates") ? Optional.of(gates(m.get("gates"), at + "/gates")) : Optional.empty(), at);
    }

    private static List<Gate> gates(JsonNode list, String at) {
        List<Gate> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode g = list.get(i);
            String p = at + "/" + i;
            Duration timeout = text(g, "timeout").map(Durations::parse).orElse(GATE_TIMEOUT);
            if (g.has("tcp")) {
                out.add(new Gate.Tcp(text(g.get("tcp"), "host"), g.get("tcp").get("port").asInt(), timeout, p));
            } else if (g.has("http")) {
                JsonNode h = g.get("http");
                out.add(new Gate.Http(h.get("url").asText(),
                        h.has("status") ? Optional.of(h.get("status").asInt()) : Optional.empty(), timeout, p));
            } else if (g.has("remediation")) {
                out.add(new Gate.Remediation("succeeded".equals(g.get("remediation").path("require").asText("final")),
                        timeout, p));
            } else if (g.has("expression")) {
                out.add(new Gate.Condition(new Expr(g.get("expression").asText(), p + "/expression"), timeout, p));
            } else if (g.has("delay")) {
                out.add(new Gate.Delay(Durations.parse(g.get("delay").asText()), p));
            }
        }
        return List.copyOf(out);
    }

    private static Optional<String> text(JsonNode node, String key) {
        return node.hasNonNull(key) ? Optional.of(node.get(key).asText()) : Optional.empty();
    }
}
