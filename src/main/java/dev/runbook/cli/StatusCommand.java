package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Journal;
import dev.runbook.exec.LifecycleRecord;
import dev.runbook.exec.LockRecord;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunView;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook status [RUN]}: runs, their steps and compensations, each VM's lifecycle state, the locks. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show runs, each VM's lifecycle state and the locks; with RUN, its prechecks, steps, "
                + "compensations and decision. Reads the journal only.")
final class StatusCommand implements Callable<Integer> {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "One run, in detail.")
    String runId;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
    String output;

    @Mixin
    JournalOptions where;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (Journal journal = where.open()) {
            if (runId == null) {
                ObjectNode all = overview(journal);
                out.print(output.equals("json") ? MAPPER.writeValueAsString(all) + "\n" : overviewText(all));
                return ExitCodes.OK;
            }
            Optional<RunRecord> r = Runs.find(journal, runId, where, err);
            if (r.isEmpty()) {
                return ExitCodes.INVALID;
            }
            ObjectNode one = detail(journal, r.get());
            out.print(output.equals("json") ? MAPPER.writeValueAsString(one) + "\n" : detailText(one));
            return ExitCodes.OK;
        }
    }

    static ObjectNode overview(Journal journal) {
        ObjectNode o = MAPPER.createObjectNode();
        ArrayNode runs = o.putArray("runs");
        journal.runs().forEach(r -> runs.add(summary(r)));
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
        return o;
    }

    static ObjectNode detail(Journal journal, RunRecord r) {
        ObjectNode o = summary(r);
        o.put("message", r.message()).put("planHash", r.planHash()).put("runbookFile", r.runbookFile())
                .put("runbookSha256", r.runbookSha256()).put("git", r.git()).put("inventory", r.inventory())
                .put("inventoryFile", r.inventoryFile()).put("inventorySha256", r.inventorySha256());
        RunView view = RunView.of(journal, r.id());
        o.set("prechecks", items(view.prechecks().values()));
        o.set("steps", items(view.steps().values()));
        o.set("compensations", items(view.compensations().values()));
        view.decision().ifPresent(d -> o.set("decision", d));
        o.put("lifecycle", journal.lifecycle(r.vm()).state());
        remediation(view).ifPresent(rem -> o.set("remediation", rem));
        return o;
    }

    /**
     * The VM's guest remediation status on this run, from its staging and report steps: not-needed,
     * scheduled, running (waiting for the guest), succeeded, partial or failed, with what the guest did.
     */
    static java.util.Optional<ObjectNode> remediation(RunView view) {
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
            return java.util.Optional.empty();
        }
        ObjectNode out = MAPPER.createObjectNode();
        if (await != null && await.state().equals("succeeded")) {
            out.put("status", await.result().path("status").asText());
            out.set("actions", await.result().path("actions").deepCopy());
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
        return java.util.Optional.of(out);
    }

    private static ArrayNode items(java.util.Collection<RunView.Item> items) {
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

    private static String overviewText(ObjectNode o) {
        StringBuilder b = new StringBuilder();
        b.append("RUNS\n");
        if (o.get("runs").isEmpty()) {
            b.append("  (none)\n");
        }
        o.get("runs").forEach(r -> b.append(String.format("  %-20s %-18s %-8s %-20s %s%n", r.get("id").asText(),
                r.get("runbook").asText(), r.get("vm").asText(), r.get("state").asText(), r.get("startedAt").asText())));
        b.append("VMS\n");
        if (o.get("lifecycle").isEmpty()) {
            b.append("  (every VM replication-ready)\n");
        }
        o.get("lifecycle").forEach(l -> b.append(String.format("  %-8s %-26s run %s%n", l.get("vm").asText(),
                l.get("state").asText(), l.get("run").asText())));
        b.append("LOCKS\n");
        if (o.get("locks").isEmpty()) {
            b.append("  (none)\n");
        }
        o.get("locks").forEach(l -> b.append(String.format("  %-14s held by run %s since %s%n", l.get("name").asText(),
                l.get("run").asText(), l.get("since").asText())));
        return b.toString();
    }

    private static String detailText(ObjectNode o) {
        StringBuilder b = new StringBuilder();
        b.append("run ").append(o.get("id").asText()).append(": ").append(o.get("runbook").asText()).append(' ')
                .append(o.get("version").asText()).append(" for ").append(o.get("vm").asText()).append(", ")
                .append(o.get("state").asText()).append('\n');
        if (o.has("parent")) {
            b.append("  continues run ").append(o.get("parent").asText()).append('\n');
        }
        b.append("  plan ").append(o.get("planHash").asText()).append(", runbook sha256 ")
                .append(o.get("runbookSha256").asText(), 0, 12).append(o.path("git").isNull() ? "" : ", git " + o.get("git").asText())
                .append('\n');
        b.append("  ").append(o.get("vm").asText()).append(" is ").append(o.get("lifecycle").asText()).append('\n');
        section(b, "PRECHECKS", o.get("prechecks"));
        section(b, "STEPS", o.get("steps"));
        section(b, "COMPENSATIONS", o.get("compensations"));
        if (o.has("remediation")) {
            var rem = o.get("remediation");
            b.append("REMEDIATION\n  ").append(o.get("vm").asText()).append(' ').append(rem.get("status").asText());
            if (rem.has("detail")) {
                b.append(": ").append(rem.get("detail").asText().replace("\n", " "));
            }
            b.append('\n');
            rem.path("actions").forEach(a -> b.append(String.format("    %-28s %-10s %s%n", a.path("action").asText(),
                    a.path("outcome").asText(), a.path("detail").asText())));
        }
        if (o.has("decision")) {
            var d = o.get("decision");
            b.append("DECISION\n  ").append(d.path("outcome").asText()).append(" by ").append(d.path("decidedBy").asText())
                    .append(" at ").append(d.path("decidedAt").asText()).append(" (").append(d.path("reason").asText()).append(")\n");
        }
        if (!o.path("message").isNull() && !o.path("message").asText().isEmpty()) {
            b.append("MESSAGE\n  ").append(o.get("message").asText().replace("\n", "\n  ")).append('\n');
        }
        return b.toString();
    }

    private static void section(StringBuilder b, String title, com.fasterxml.jackson.databind.JsonNode items) {
        if (items.isEmpty()) {
            return;
        }
        b.append(title).append('\n');
        items.forEach(i -> {
            b.append(String.format("  %-26s %-18s", i.get("id").asText(), i.get("state").asText()));
            if (i.has("millis")) {
                b.append(String.format(" %6d ms", i.get("millis").asLong()));
            }
            if (i.has("uses")) {
                b.append("  ").append(i.get("uses").asText());
            }
            if (i.has("error")) {
                b.append("  ").append(i.get("error").asText().replace("\n", " "));
            } else if (i.has("reason")) {
                b.append("  ").append(i.get("reason").asText());
            }
            b.append('\n');
        });
    }
}
