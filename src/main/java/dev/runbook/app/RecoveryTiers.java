package dev.runbook.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;
import dev.runbook.model.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A recovery plan run's tiers in its report: each VM's end state with its reason, and the time each tier
 * took to settle, from the plan run's start, against the tier's {@code rto} (and the whole plan's).
 */
final class RecoveryTiers {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RecoveryTiers() {
    }

    /** Adds {@code tiers} and {@code rto} to the plan run's section. */
    static void of(JsonNode plan, Instant started, List<Entry> entries, ObjectNode section) {
        Map<String, Entry> settled = new HashMap<>();
        for (Entry e : entries) {
            if (e.kind() == Entry.Kind.NOTE && e.step() != null && e.state().startsWith("vm-")) {
                settled.put(e.step(), e);
            }
        }
        ArrayNode tiers = section.putArray("tiers");
        Instant last = started;
        boolean allSettled = true;
        for (JsonNode tier : plan.path("tiers")) {
            ObjectNode t = tiers.addObject().put("name", tier.path("name").asText()).put("rto", tier.path("rto").asText(null));
            ArrayNode vms = t.putArray("vms");
            Instant end = started;
            boolean tierSettled = true;
            for (JsonNode vm : tier.path("vms")) {
                String name = vm.path("vm").asText();
                Entry e = settled.get(name);
                ObjectNode v = vms.addObject().put("vm", name);
                if (e == null) {
                    v.put("state", "not-settled");
                    tierSettled = false;
                    continue;
                }
                v.put("state", e.state().substring(3)).put("at", e.at().toString())
                        .put("reason", e.data() == null ? null : e.data().path("reason").asText(null));
                end = e.at().isAfter(end) ? e.at() : end;
            }
            against(t, tierSettled ? Duration.between(started, end) : null, tier.path("rto").asText(null));
            last = end.isAfter(last) ? end : last;
            allSettled &= tierSettled;
        }
        ObjectNode whole = section.putObject("rto").put("rto", plan.path("rto").asText(null));
        against(whole, allSettled ? Duration.between(started, last) : null, plan.path("rto").asText(null));
    }

    /** The time achieved (none while a VM has not settled) and whether it met the objective. */
    private static void against(ObjectNode o, Duration achieved, String rto) {
        if (achieved == null) {
            o.putNull("achievedMillis");
            return;
        }
        o.put("achievedMillis", achieved.toMillis());
        if (rto != null) {
            try {
                o.put("met", achieved.compareTo(Durations.parse(rto)) <= 0);
            } catch (IllegalArgumentException e) {
                o.put("met", (String) null);
            }
        }
    }
}
