package dev.runbook.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;
import dev.runbook.exec.Journal;
import dev.runbook.exec.RecoveryRun;
import dev.runbook.exec.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A recovery plan run as a tree: its tiers, each VM's state, current step and reason, the counts an operator
 * looks at first, and the critical path so far (the chain of VMs that set the plan's elapsed time).
 */
public final class PlanStatus {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The shape of a plan run's plan (tiers, VMs, edges), read once: the recorded plan never changes. */
    private record Shape(List<Tier> tiers) {
    }

    private record Tier(String name, String rto, List<Vm> vms) {
    }

    private record Vm(String name, boolean critical, List<String> after) {
    }

    private static final Map<String, Shape> SHAPES = new ConcurrentHashMap<>();

    private PlanStatus() {
    }

    /**
     * The {@code plan} section of a plan run's status; {@code notes} are the plan run's notes, already read (the
     * journal is scanned once per run read, so each read saved counts on a large plan).
     */
    static ObjectNode of(Journal journal, RunRecord planRun, List<Entry> notes) {
        Map<String, String> lifecycle = new HashMap<>();
        journal.lifecycle().forEach(l -> lifecycle.put(l.vm(), l.state()));
        return of(journal, planRun, notes, journal.children(planRun.id()), journal.latestSteps(planRun.id() + "."),
                lifecycle);
    }

    /**
     * The {@code plan} section from what was read already: the plan run's notes, its VM runs (without plans),
     * the latest step or compensation entry of each VM run by run id, and every VM's lifecycle state. The
     * journal is read only for a plan whose shape is not known yet.
     */
    static ObjectNode of(Journal journal, RunRecord planRun, List<Entry> notes, java.util.Collection<RunRecord> runs,
                         Map<String, Entry> steps, Map<String, String> lifecycle) {
        Shape shape = shape(journal, planRun);
        Map<String, RunRecord> children = new HashMap<>();
        for (RunRecord r : runs) {
            children.put(r.vm(), r);
        }
        Map<String, Entry> settled = new HashMap<>();
        Map<String, String> waiting = new HashMap<>();
        for (Entry e : notes) {
            if (e.kind() != Entry.Kind.NOTE || e.step() == null) {
                continue;
            }
            if (e.state().startsWith("vm-")) {
                settled.put(e.step(), e);
            } else if (e.state().equals("waiting") && e.data() != null) {
                waiting.put(e.step(), e.data().path("reason").asText());
            } else if (e.state().equals("goes-on")) {
                waiting.remove(e.step());
            }
        }
        ObjectNode o = MAPPER.createObjectNode();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String c : List.of("succeeded", "awaitingDecision", "running", "pending", "failed", "notAttempted",
                "rolledBack")) {
            counts.put(c, 0);
        }
        ArrayNode tiers = o.putArray("tiers");
        for (Tier tier : shape.tiers()) {
            ObjectNode t = tiers.addObject().put("name", tier.name()).put("rto", tier.rto());
            ArrayNode vms = t.putArray("vms");
            for (Vm vm : tier.vms()) {
                RunRecord child = children.get(vm.name());
                Entry note = settled.get(vm.name());
                ObjectNode v = vms.addObject().put("vm", vm.name())
                        .put("run", RecoveryRun.childId(planRun.id(), vm.name()));
                if (vm.critical()) {
                    v.put("critical", true);
                }
                boolean begun = child != null && current(steps.get(child.id()), v);
                String state = note != null ? note.state().substring(3) : begun ? "running" : "pending";
                v.put("state", state).put("runState", child == null ? null : child.state());
                if (note == null && waiting.containsKey(vm.name())) {
                    v.put("waiting", waiting.get(vm.name()));
                }
                if (note != null && note.data() != null) {
                    v.put("reason", note.data().path("reason").asText(null)).put("settledAt", note.at().toString());
                }
                v.put("lifecycle", lifecycle.getOrDefault(vm.name(), dev.runbook.exec.LifecycleRecord.DEFAULT));
                counts.merge(count(state, child), 1, Integer::sum);
            }
        }
        ObjectNode c = o.putObject("counts");
        counts.forEach(c::put);
        c.put("total", shape.tiers().stream().mapToInt(t -> t.vms().size()).sum());
        o.set("criticalPath", criticalPath(shape, settled, planRun.startedAt()));
        return o;
    }

    private static String count(String state, RunRecord child) {
        String run = child == null ? "" : child.state();
        return switch (state) {
            case "ready" -> run.equals("awaiting-decision") ? "awaitingDecision"
                    : run.equals("rolled-back") || run.equals("compensated") ? "rolledBack" : "succeeded";
            case "running" -> "running";
            case "pending" -> "pending";
            case "failed", "blocked" -> "failed";
            default -> "notAttempted";
        };
    }

    /** The child's step under way (or its last one); false when it has none yet. */
    private static boolean current(Entry latest, ObjectNode v) {
        if (latest == null) {
            return false;
        }
        v.put("step", (latest.kind() == Entry.Kind.COMPENSATION ? "undo " : "") + latest.step())
                .put("stepState", latest.state());
        return true;
    }

    /**
     * The chain that set the plan's time so far: from the VM that settled last, back through whichever it
     * waited on that settled last (a dependency, or the previous tier, which it waits for whole).
     */
    private static ArrayNode criticalPath(Shape shape, Map<String, Entry> settled, Instant started) {
        Map<String, Integer> tierOf = new HashMap<>();
        Map<String, Vm> vms = new HashMap<>();
        for (int i = 0; i < shape.tiers().size(); i++) {
            for (Vm vm : shape.tiers().get(i).vms()) {
                tierOf.put(vm.name(), i);
                vms.put(vm.name(), vm);
            }
        }
        String last = latest(settled, new ArrayList<>(settled.keySet()));
        List<String> chain = new ArrayList<>();
        while (last != null) {
            chain.add(0, last);
            Vm vm = vms.get(last);
            List<String> waited = new ArrayList<>(vm == null ? List.of() : vm.after());
            int tier = tierOf.getOrDefault(last, 0);
            if (tier > 0) {
                shape.tiers().get(tier - 1).vms().forEach(v -> waited.add(v.name()));
            }
            waited.removeIf(w -> !settled.containsKey(w) || chain.contains(w));
            last = latest(settled, waited);
        }
        ArrayNode out = MAPPER.createArrayNode();
        for (String vm : chain) {
            Instant at = settled.get(vm).at();
            out.addObject().put("vm", vm).put("settledAt", at.toString())
                    .put("elapsedMillis", Duration.between(started, at).toMillis());
        }
        return out;
    }

    private static String latest(Map<String, Entry> settled, List<String> among) {
        String best = null;
        for (String vm : among) {
            if (best == null || settled.get(vm).at().isAfter(settled.get(best).at())) {
                best = vm;
            }
        }
        return best;
    }

    private static Shape shape(RunRecord planRun) {
        if (SHAPES.size() > 256) {
            SHAPES.clear(); // a long-lived server reads many plan runs; the shapes are cheap to read again
        }
        return SHAPES.computeIfAbsent(planRun.id() + "/" + planRun.planHash(), k -> read(planRun.plan()));
    }

    /** The shape of a plan run that may have been read without its plan: the plan is read only when not known. */
    private static Shape shape(Journal journal, RunRecord planRun) {
        Shape known = SHAPES.get(planRun.id() + "/" + planRun.planHash());
        if (known != null) {
            return known;
        }
        return shape(planRun.plan().isEmpty() ? journal.run(planRun.id()).orElse(planRun) : planRun);
    }

    private static Shape read(String plan) {
        List<Tier> tiers = new ArrayList<>();
        try {
            for (JsonNode t : MAPPER.readTree(plan).path("tiers")) {
                List<Vm> vms = new ArrayList<>();
                for (JsonNode v : t.path("vms")) {
                    List<String> after = new ArrayList<>();
                    v.path("after").forEach(e -> after.add(e.path("vm").asText()));
                    vms.add(new Vm(v.path("vm").asText(), v.path("critical").asBoolean(), List.copyOf(after)));
                }
                tiers.add(new Tier(t.path("name").asText(), t.path("rto").asText(null), List.copyOf(vms)));
            }
        } catch (JsonProcessingException e) {
            // A plan run whose plan cannot be read shows no tiers; its children still list under runs.
        }
        return new Shape(List.copyOf(tiers));
    }
}
