package dev.runbook.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunState;
import dev.runbook.exec.RunView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One run in a report: where its plan came from, its prechecks, every step's transitions, the planned
 * steps it never started, its compensations, notes, lifecycle and locks, remediation and the addresses of
 * its VM's NICs, all read from the run's admission record and its journal entries.
 */
final class RunSection {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> STEP_ENDS = Set.of("succeeded", "failed", "skipped");
    private static final Set<String> COMPENSATION_ENDS = Set.of("done", "failed", "not-needed", "irreversible", "covered");

    private final RunRecord run;
    private final List<Entry> entries;
    private final JsonNode plan;
    private final String planError;

    private RunSection(RunRecord run, List<Entry> entries) {
        this.run = run;
        this.entries = entries;
        JsonNode read;
        String error = null;
        try {
            read = MAPPER.readTree(run.plan() == null ? "{}" : run.plan());
        } catch (JsonProcessingException e) {
            read = MAPPER.createObjectNode();
            error = "the run's recorded plan is not JSON: " + e.getOriginalMessage();
        }
        this.plan = read;
        this.planError = error;
    }

    /**
     * @param continuedBy the runs continuing this one (its commit or rollback)
     * @param vmRuns      the runs recovering one VM each, when this run recovers a plan
     */
    static ObjectNode of(RunRecord run, List<Entry> entries, List<String> continuedBy, List<String> vmRuns) {
        return new RunSection(run, entries).section(continuedBy, vmRuns);
    }

    private ObjectNode section(List<String> continuedBy, List<String> vmRuns) {
        ObjectNode o = MAPPER.createObjectNode().put("id", run.id()).put("operation", run.operation()).put("vm", run.vm());
        identity(o);
        if (run.parent() != null) {
            o.put("continues", run.parent());
        }
        if (run.planRun() != null) {
            o.put("recoveryPlanRun", run.planRun());
        }
        ArrayNode children = o.putArray("continuedBy");
        continuedBy.forEach(children::add);
        if (!vmRuns.isEmpty()) {
            ArrayNode vms = o.putArray("vmRuns");
            vmRuns.forEach(vms::add);
        }
        o.set("prechecks", prechecks());
        Map<String, ObjectNode> steps = steps();
        o.set("steps", MAPPER.valueToTree(steps.values()));
        o.set("notExecuted", notExecuted(steps.keySet(), o.path("state").asText()));
        o.set("compensations", compensations());
        awaiting(steps).ifPresent(a -> o.set("awaiting", a));
        ObjectNode remediation = Status.remediation(RunView.of(run.id(), entries)).orElse(null);
        if (remediation != null) {
            o.set("remediation", MAPPER.createObjectNode().put("vm", run.vm()).setAll(remediation));
        }
        o.set("network", NicAddresses.of(plan, plannedActions(), steps, remediation));
        if (plan.path("tiers").isArray()) {
            RecoveryTiers.of(plan, run.startedAt(), entries, o);
        }
        o.set("notes", notes());
        o.set("lifecycle", kind(Entry.Kind.LIFECYCLE, (e, n) -> n.put("vm", e.step()).put("state", e.state())));
        o.set("locks", kind(Entry.Kind.LOCKS, (e, n) -> {
            n.put("state", e.state());
            if (e.data() != null && e.data().has("to")) {
                n.put("to", e.data().get("to").asText());
            }
        }));
        o.set("journal", journal());
        return o;
    }

    /** Who started the run, when, from what, and where it stands as of its last entry. */
    private void identity(ObjectNode o) {
        String state = RunState.RUNNING.id();
        String message = null;
        Instant stateAt = run.startedAt();
        for (Entry e : entries) {
            if (e.kind() == Entry.Kind.RUN) {
                state = e.state();
                stateAt = e.at();
                if (e.data() != null && e.data().path("message").isTextual()) {
                    message = e.data().get("message").asText();
                }
            }
        }
        Instant last = entries.isEmpty() ? run.startedAt() : entries.get(entries.size() - 1).at();
        boolean ended = ended(state);
        o.put("state", state).put("stateAt", stateAt.toString()).put("message", message)
                .put("startedBy", run.startedBy()).put("startedAt", run.startedAt().toString())
                .put("lastEntryAt", last.toString()).put("ended", ended);
        if (ended) {
            o.put("endedAt", stateAt.toString());
        }
        o.put("durationMillis", Duration.between(run.startedAt(), ended ? stateAt : last).toMillis());
        o.putObject("runbook").put("name", run.runbook()).put("version", run.runbookVersion())
                .put("sha256", run.runbookSha256()).put("file", run.runbookFile()).put("git", run.git());
        o.putObject("inventory").put("name", run.inventory()).put("sha256", run.inventorySha256())
                .put("file", run.inventoryFile());
        o.put("planHash", run.planHash());
        if (planError != null) {
            o.put("planError", planError);
        }
    }

    private static boolean ended(String state) {
        try {
            return RunState.of(state).isFinal();
        } catch (IllegalArgumentException e) {
            return false; // a state this program does not know: not claimed as an end
        }
    }

    private ArrayNode prechecks() {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (JsonNode p : plan.path("prechecks")) {
            out.put(p.path("id").asText(), MAPPER.createObjectNode().put("id", p.path("id").asText())
                    .put("probe", p.path("probe").asText(null)).put("severity", p.path("severity").asText(null))
                    .put("state", "not-run"));
        }
        for (Entry e : entries) {
            if (e.kind() != Entry.Kind.PRECHECK) {
                continue;
            }
            ObjectNode n = out.computeIfAbsent(String.valueOf(e.step()), id -> MAPPER.createObjectNode().put("id", id)
                    .put("probe", e.data() == null ? null : e.data().path("probe").asText(null)).putNull("severity"));
            n.put("state", e.state()).put("seq", e.seq()).put("at", e.at().toString());
            if (e.data() != null && e.data().has("error")) {
                n.put("error", e.data().get("error").asText());
            }
            if (e.data() != null && e.data().has("result")) {
                n.set("result", e.data().get("result"));
            }
        }
        return MAPPER.valueToTree(out.values());
    }

    /** The planned steps in plan order, groups before their branches, then the {@code finally} steps. */
    private List<ObjectNode> planned() {
        List<ObjectNode> out = new ArrayList<>();
        flatten(plan.path("steps"), null, false, out);
        flatten(plan.path("finallySteps"), null, true, out);
        return out;
    }

    private static void flatten(JsonNode steps, String group, boolean inFinally, List<ObjectNode> out) {
        for (JsonNode s : steps) {
            ObjectNode n = MAPPER.createObjectNode().put("index", s.path("index").asText(null))
                    .put("id", s.path("id").asText()).put("name", s.path("name").asText(null))
                    .put("kind", s.path("kind").asText(null)).put("uses", s.path("uses").asText(null));
            if (group != null) {
                n.put("group", group);
            }
            if (inFinally) {
                n.put("finally", true);
            }
            n.set("with", s.path("with"));
            out.add(n);
            flatten(s.path("steps"), s.path("id").asText(), inFinally, out);
        }
    }

    private List<ObjectNode> plannedActions() {
        return planned().stream().filter(p -> "action".equals(p.path("kind").asText())).toList();
    }

    /** Every step the journal shows, in plan order, with each of its transitions. */
    private Map<String, ObjectNode> steps() {
        Map<String, List<Entry>> byStep = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.kind() == Entry.Kind.STEP) {
                byStep.computeIfAbsent(String.valueOf(e.step()), s -> new ArrayList<>()).add(e);
            }
        }
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (ObjectNode p : planned()) {
            List<Entry> seen = byStep.remove(p.get("id").asText());
            if (seen != null) {
                ObjectNode n = p.deepCopy();
                n.remove("with");
                out.put(p.get("id").asText(), step(n, seen));
            }
        }
        byStep.forEach((id, seen) -> out.put(id, step(MAPPER.createObjectNode().putNull("index").put("id", id), seen)));
        return out;
    }

    private static ObjectNode step(ObjectNode n, List<Entry> seen) {
        Entry first = seen.get(0);
        Entry last = seen.get(seen.size() - 1);
        int attempts = 0;
        int retries = 0;
        ArrayNode transitions = MAPPER.createArrayNode();
        String error = null;
        for (Entry e : seen) {
            JsonNode d = e.data() == null ? MAPPER.missingNode() : e.data();
            attempts = Math.max(attempts, d.path("attempt").asInt(0));
            retries += e.state().equals("retrying") ? 1 : 0;
            ObjectNode t = transitions.addObject().put("seq", e.seq()).put("at", e.at().toString()).put("state", e.state());
            copyText(d, t, "attempt", "error", "reason");
            if (d.path("observed").asBoolean(false)) {
                t.put("observed", true);
            }
            if (d.has("error")) {
                error = d.get("error").asText();
            }
            if (!n.hasNonNull("uses") && d.path("uses").isTextual()) {
                n.put("uses", d.get("uses").asText());
            }
        }
        n.put("state", last.state()).put("attempts", attempts).put("retries", retries)
                .put("startedAt", first.at().toString());
        if (STEP_ENDS.contains(last.state())) {
            n.put("endedAt", last.at().toString()).put("millis", Duration.between(first.at(), last.at()).toMillis());
        }
        if (last.state().equals("failed") || last.state().equals("retrying")) {
            n.put("error", error);
        }
        JsonNode d = last.data() == null ? MAPPER.missingNode() : last.data();
        if (d.has("reason")) {
            n.put("reason", d.get("reason").asText());
        }
        if (d.path("observed").asBoolean(false)) {
            n.put("observed", true);
        }
        if (d.has("result")) {
            n.set("result", d.get("result"));
        }
        n.set("transitions", transitions);
        return n;
    }

    private static void copyText(JsonNode from, ObjectNode to, String... keys) {
        for (String k : keys) {
            if (from.has(k)) {
                JsonNode v = from.get(k);
                to.set(k, v.isNumber() ? v : MAPPER.getNodeFactory().textNode(v.asText()));
            }
        }
    }

    /** Planned steps the journal never shows started, and why. */
    private ArrayNode notExecuted(Set<String> executed, String state) {
        ArrayNode out = MAPPER.createArrayNode();
        String why = switch (state) {
            case "blocked" -> "a blocking precheck stopped the run before any step";
            case "running", "compensating" -> "not reached by the run's last journal entry: the run is under way, or"
                    + " was cut off (`runbook resume " + run.id() + "` continues it)";
            case "awaiting-decision" -> "not reached: the run awaits a decision";
            default -> "never started: the run ended " + state + " before reaching it";
        };
        for (ObjectNode p : planned()) {
            if (!executed.contains(p.get("id").asText())) {
                ObjectNode n = p.deepCopy();
                n.remove("with");
                out.add(n.put("why", why));
            }
        }
        return out;
    }

    /** Each step's compensation, in the order it was registered (before its step acted). */
    private ArrayNode compensations() {
        Map<String, List<Entry>> byStep = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.kind() == Entry.Kind.COMPENSATION) {
                byStep.computeIfAbsent(String.valueOf(e.step()), s -> new ArrayList<>()).add(e);
            }
        }
        ArrayNode out = MAPPER.createArrayNode();
        byStep.forEach((step, seen) -> {
            JsonNode registered = seen.get(0).data() == null ? MAPPER.missingNode() : seen.get(0).data();
            Entry last = seen.get(seen.size() - 1);
            ObjectNode n = out.addObject().put("step", step).put("order", registered.path("order").asInt(0))
                    .put("undo", registered.path("uses").asText(null))
                    .put("coveredBy", registered.path("coveredBy").asText(null))
                    .put("irreversible", registered.path("irreversible").asText(null))
                    .put("state", last.state()).put("registeredAt", seen.get(0).at().toString());
            List<Entry> acted = seen.stream().filter(e -> !e.state().equals("registered")).toList();
            int attempts = 0;
            ArrayNode transitions = MAPPER.createArrayNode();
            for (Entry e : seen) {
                JsonNode d = e.data() == null ? MAPPER.missingNode() : e.data();
                attempts = Math.max(attempts, d.path("attempt").asInt(0));
                ObjectNode t = transitions.addObject().put("seq", e.seq()).put("at", e.at().toString()).put("state", e.state());
                copyText(d, t, "attempt", "error", "reason");
            }
            n.put("attempts", attempts);
            if (!acted.isEmpty()) {
                n.put("startedAt", acted.get(0).at().toString());
                if (COMPENSATION_ENDS.contains(last.state())) {
                    n.put("endedAt", last.at().toString())
                            .put("millis", Duration.between(acted.get(0).at(), last.at()).toMillis());
                }
            }
            JsonNode d = last.data() == null ? MAPPER.missingNode() : last.data();
            copyText(d, n, "error", "reason");
            n.set("transitions", transitions);
        });
        return out;
    }

    /** The decision the run waits for, when its last word on a decision step is that it awaits one. */
    private Optional<ObjectNode> awaiting(Map<String, ObjectNode> steps) {
        for (ObjectNode s : steps.values()) {
            if (!s.path("state").asText().equals("awaiting-decision")) {
                continue;
            }
            Entry asked = entries.stream().filter(e -> e.kind() == Entry.Kind.STEP && s.get("id").asText().equals(e.step())
                    && e.state().equals("awaiting-decision")).reduce((a, b) -> b).orElseThrow();
            JsonNode d = asked.data() == null ? MAPPER.missingNode() : asked.data();
            ObjectNode a = MAPPER.createObjectNode().put("step", s.get("id").asText()).put("since", asked.at().toString());
            copyText(d, a, "prompt", "deadline", "onTimeout", "commitWhen");
            if (d.path("options").isArray()) {
                a.set("options", d.get("options"));
            }
            return Optional.of(a);
        }
        return Optional.empty();
    }

    private ArrayNode notes() {
        return kind(Entry.Kind.NOTE, (e, n) -> {
            n.put("note", e.state());
            if (e.step() != null) {
                n.put("about", e.step());
            }
            JsonNode d = e.data() == null ? MAPPER.missingNode() : e.data();
            n.put("message", d.path("message").isTextual() ? d.get("message").asText() : Timeline.fields(d));
            copyText(d, n, "by", "reason");
        });
    }

    private interface Fill {
        void fill(Entry e, ObjectNode n);
    }

    private ArrayNode kind(Entry.Kind kind, Fill fill) {
        ArrayNode out = MAPPER.createArrayNode();
        for (Entry e : entries) {
            if (e.kind() == kind) {
                ObjectNode n = out.addObject().put("seq", e.seq()).put("at", e.at().toString());
                fill.fill(e, n);
            }
        }
        return out;
    }

    /** Every entry of the run, in journal order, each with what it says in a few words. */
    private ArrayNode journal() {
        ArrayNode out = MAPPER.createArrayNode();
        for (Entry e : entries) {
            out.addObject().put("seq", e.seq()).put("at", e.at().toString()).put("kind", e.kind().id())
                    .put("step", e.step()).put("state", e.state()).put("detail", Timeline.summary(e));
        }
        return out;
    }

    /** An entry's data in a few words, for the run's timeline. */
    static final class Timeline {
        private Timeline() {
        }

        static String summary(Entry e) {
            JsonNode d = e.data() == null ? MAPPER.missingNode() : e.data();
            return switch (e.kind()) {
                case RUN, NOTE -> d.path("message").isTextual() ? d.get("message").asText() : fields(d);
                case DECISION -> d.path("outcome").asText(e.state()) + " by " + d.path("decidedBy").asText("?")
                        + (d.has("reason") ? " (" + d.get("reason").asText() + ")" : "");
                case LOCKS -> d.has("to") ? "to run " + d.get("to").asText() : fields(d);
                case LIFECYCLE -> e.step() + " is " + e.state();
                default -> d.has("error") ? d.get("error").asText()
                        : d.has("reason") ? d.get("reason").asText()
                        : fields(d);
            };
        }

        /** The data's scalar fields as {@code key=value}, in order; results and nested values left out. */
        static String fields(JsonNode d) {
            List<String> out = new ArrayList<>();
            d.properties().forEach(p -> {
                if (p.getValue().isValueNode()) {
                    out.add(p.getKey() + "=" + p.getValue().asText());
                }
            });
            return String.join(", ", out);
        }
    }
}
