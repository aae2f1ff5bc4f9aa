package dev.runbook.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Journal;
import dev.runbook.exec.LifecycleRecord;
import dev.runbook.exec.LockRecord;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunView;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;

/** Where runs and VMs stand, as JSON: what {@code runbook status --output json} prints and the API serves. */
public final class Status {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Status() {
    }

    public static ObjectNode overview(Journal journal) {
        ObjectNode o = MAPPER.createObjectNode();
        ArrayNode runs = o.putArray("runs");
        journal.runsWithoutPlans().forEach(r -> runs.add(summary(r)));
        ArrayNode vms = o.putArray("lifecycle");
        for (LifecycleRecord l : journal.lifecycle()) {
            vms.addObject().put("vm", l.vm()).put("state", l.state()).put("run", l.runId()).put("since", String.valueOf(l.since()));
        }
        ArrayNode locks = o.putArray("locks");
        for (LockRecord l : journal.locks()) {
            locks.addObject().put("name", l.name()).put("run", l.runId()).put("since", l.acquiredAt().toString());
        }
        return o;
    }

    private static ObjectNode summary(RunRecord r) {
        ObjectNode o = MAPPER.createObjectNode().put("id", r.id()).put("runbook", r.runbook())
                .put("version", r.runbookVersion()).put("vm", r.vm()).put("operation", r.operation())
                .put("state", r.state()).put("startedAt", r.startedAt().toString()).put("updatedAt", r.updatedAt().toString())
                .put("startedBy", r.startedBy());
        if (r.parent() != null) {
            o.put("parent", r.parent());
        }
        if (r.planRun() != null) {
            o.put("planRun", r.planRun());
        }
        return o;
    }

    public static ObjectNode detail(Journal journal, RunRecord r) {
        RunView view = RunView.of(journal, r.id());
        return detail(r, view, Runs.recoveryPlan(r) ? PlanStatus.of(journal, r, view.notes()) : null,
                Runs.recoveryPlan(r) ? null : journal.lifecycle(r.vm()).state());
    }

    /**
     * One run's detail from what was read of it: its view, and for a recovery plan run the {@code plan} section,
     * else the VM's {@code lifecycle} state.
     */
    static ObjectNode detail(RunRecord r, RunView view, ObjectNode plan, String lifecycle) {
        ObjectNode o = summary(r);
        o.put("message", r.message()).put("planHash", r.planHash()).put("runbookFile", r.runbookFile())
                .put("runbookSha256", r.runbookSha256()).put("git", r.git()).put("inventory", r.inventory())
                .put("inventoryFile", r.inventoryFile()).put("inventorySha256", r.inventorySha256());
        o.set("prechecks", items(view.prechecks().values()));
        o.set("steps", items(view.steps().values()));
        o.set("compensations", items(view.compensations().values()));
        view.decision().ifPresent(d -> o.set("decision", d));
        if (!view.notes().isEmpty()) {
            ArrayNode notes = o.putArray("notes");
            view.notes().forEach(n -> notes.addObject().put("note", n.state()).put("at", n.at().toString())
                    .put("message", noteMessage(n)));
        }
        if (plan != null) {
            o.set("plan", plan);
        } else {
            o.put("lifecycle", lifecycle);
        }
        remediation(view).ifPresent(rem -> o.set("remediation", rem));
        return o;
    }

    /** What a note says: its message, or for a recovery plan's VM its state and reason. */
    private static String noteMessage(dev.runbook.exec.Entry n) {
        JsonNode d = n.data();
        if (d == null) {
            return n.state();
        }
        if (d.has("message")) {
            return d.get("message").asText();
        }
        if (d.has("vm") && d.has("state")) {
            return d.get("vm").asText() + " " + d.get("state").asText() + ": " + d.path("reason").asText("");
        }
        return n.state();
    }

    /**
     * The VM's guest remediation status on this run, from its staging and report steps: not-needed,
     * scheduled, running (waiting for the guest), succeeded, partial or failed, with what the guest did.
     */
    public static Optional<ObjectNode> remediation(RunView view) {
        RunView.Item stage = null;
        RunView.Item await = null;
        for (RunView.Item i : view.steps().values()) {
            String uses = i.first() == null ? "" : i.first().path("uses").asText();
            if (uses.equals("remediation.stage") && (stage == null || !i.state().equals("skipped"))) {
                stage = i;
            } else if (uses.equals("remediation.await-status")) {
                await = i;
            }
        }
        if (stage == null && await == null) {
            return Optional.empty();
        }
        ObjectNode out = MAPPER.createObjectNode();
        if (await != null && await.state().equals("succeeded")) {
            JsonNode result = await.result() == null ? MAPPER.missingNode() : await.result();
            out.put("status", result.path("status").asText());
            if (result.has("reason")) {
                out.put("detail", result.get("reason").asText());
            }
            out.set("actions", result.path("actions").deepCopy());
        } else if (await != null && await.state().equals("failed")) {
            out.put("status", "failed").put("detail", await.error());
        } else if (await != null && await.state().equals("running")) {
            out.put("status", "running").put("detail", "waiting for the guest's report");
        } else if (stage != null && stage.state().equals("succeeded")) {
            out.put("status", "scheduled").put("detail", "staged into the replica root disk");
        } else if (stage != null && stage.state().equals("skipped") && (await == null || await.state().equals("skipped"))) {
            out.put("status", "not-needed").put("detail", "the hardware profiles are compatible");
        } else {
            out.put("status", stage != null ? stage.state() : await.state());
        }
        return Optional.of(out);
    }

    private static ArrayNode items(Collection<RunView.Item> items) {
        ArrayNode a = MAPPER.createArrayNode();
        for (RunView.Item i : items) {
            ObjectNode n = a.addObject().put("id", i.id()).put("state", i.state());
            if (i.attempt() > 0) {
                n.put("attempts", i.attempt());
            }
            n.put("startedAt", i.startedAt().toString());
            if (i.endedAt() != null) {
                n.put("endedAt", i.endedAt().toString());
                n.put("millis", Duration.between(i.startedAt(), i.endedAt()).toMillis());
            }
            if (i.error() != null) {
                n.put("error", i.error());
            }
            if (i.first() != null && i.first().has("uses")) {
                n.put("uses", i.first().get("uses").asText());
            }
            if (i.last() != null && i.last().has("reason")) {
                n.put("reason", i.last().get("reason").asText());
            }
            if (i.result() != null) {
                n.set("result", i.result());
            }
        }
        return a;
    }
}
