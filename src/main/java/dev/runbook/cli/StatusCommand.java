package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.Status;
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
                ObjectNode all = Status.overview(journal);
                out.print(output.equals("json") ? MAPPER.writeValueAsString(all) + "\n" : overviewText(all));
                return ExitCodes.OK;
            }
            Optional<RunRecord> r = journal.runWithoutPlan(runId);
            if (r.isEmpty()) {
                err.println("runbook: there is no run " + runId + " in " + where.file() + "; `runbook status` lists runs");
                return ExitCodes.INVALID;
            }
            ObjectNode one = Status.detail(journal, r.get());
            out.print(output.equals("json") ? MAPPER.writeValueAsString(one) + "\n" : detailText(one));
            return ExitCodes.OK;
        }
    }

    private static String overviewText(ObjectNode o) {
        StringBuilder b = new StringBuilder();
        b.append("RUNS\n");
        if (o.get("runs").isEmpty()) {
            b.append("  (none)\n");
        }
        o.get("runs").forEach(r -> b.append(String.format("  %-20s %-18s %-8s %-20s %s%n", Printable.field(r.get("id").asText()),
                Printable.field(r.get("runbook").asText()), Printable.field(r.get("vm").asText()), Printable.field(r.get("state").asText()), Printable.field(r.get("startedAt").asText()))));
        b.append("VMS\n");
        if (o.get("lifecycle").isEmpty()) {
            b.append("  (every VM replication-ready)\n");
        }
        o.get("lifecycle").forEach(l -> b.append(String.format("  %-8s %-26s run %s%n", Printable.field(l.get("vm").asText()),
                Printable.field(l.get("state").asText()), Printable.field(l.get("run").asText()))));
        b.append("LOCKS\n");
        if (o.get("locks").isEmpty()) {
            b.append("  (none)\n");
        }
        o.get("locks").forEach(l -> b.append(String.format("  %-14s held by run %s since %s%n", Printable.field(l.get("name").asText()),
                Printable.field(l.get("run").asText()), Printable.field(l.get("since").asText()))));
        return b.toString();
    }

    private static String detailText(ObjectNode o) {
        StringBuilder b = new StringBuilder();
        b.append("run ").append(Printable.field(o.get("id").asText())).append(": ").append(Printable.field(o.get("runbook").asText())).append(' ')
                .append(Printable.field(o.get("version").asText())).append(" for ").append(Printable.field(o.get("vm").asText())).append(", ")
                .append(Printable.field(o.get("state").asText())).append('\n');
        if (o.has("parent")) {
            b.append("  continues run ").append(Printable.field(o.get("parent").asText())).append('\n');
        }
        b.append("  plan ").append(Printable.field(o.get("planHash").asText())).append(", runbook sha256 ")
                .append(o.get("runbookSha256").asText(), 0, 12).append(o.path("git").isNull() ? "" : ", git " + Printable.field(o.get("git").asText()))
                .append('\n');
        if (o.has("plan")) {
            plan(b, o.get("plan"));
        } else {
            b.append("  ").append(Printable.field(o.get("vm").asText())).append(" is ").append(Printable.field(o.get("lifecycle").asText())).append('\n');
        }
        section(b, "PRECHECKS", o.get("prechecks"));
        section(b, "STEPS", o.get("steps"));
        section(b, "COMPENSATIONS", o.get("compensations"));
        if (o.has("remediation")) {
            var rem = o.get("remediation");
            b.append("REMEDIATION\n  ").append(Printable.field(o.get("vm").asText())).append(' ').append(Printable.field(rem.get("status").asText()));
            if (rem.has("detail")) {
                b.append(": ").append(Printable.field(rem.get("detail").asText()));
            }
            b.append('\n');
            rem.path("actions").forEach(a -> b.append(String.format("    %-28s %-10s %s%n", Printable.field(a.path("action").asText()),
                    Printable.field(a.path("outcome").asText()), Printable.field(a.path("detail").asText()))));
        }
        if (o.has("decision")) {
            var d = o.get("decision");
            b.append("DECISION\n  ").append(Printable.field(d.path("outcome").asText())).append(" by ").append(Printable.field(d.path("decidedBy").asText()))
                    .append(" at ").append(Printable.field(d.path("decidedAt").asText())).append(" (").append(Printable.field(d.path("reason").asText())).append(")\n");
        }
        if (o.has("notes")) {
            b.append("NOTES\n");
            o.get("notes").forEach(n -> b.append("  ").append(Printable.field(n.path("at").asText())).append("  ")
                    .append(Printable.field(n.path("message").asText())).append('\n'));
        }
        if (!o.path("message").isNull() && !o.path("message").asText().isEmpty()) {
            b.append("MESSAGE\n  ").append(Printable.text(o.get("message").asText()).replace("\n", "\n  ")).append('\n');
        }
        return b.toString();
    }

    /** A recovery plan run: the counts, each tier's VMs with state, step and reason, the critical path so far. */
    private static void plan(StringBuilder b, com.fasterxml.jackson.databind.JsonNode plan) {
        var c = plan.get("counts");
        b.append("  ").append(c.get("total").asInt()).append(" VMs: ");
        StringBuilder counts = new StringBuilder();
        c.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("total") && e.getValue().asInt() > 0) {
                counts.append(counts.isEmpty() ? "" : ", ").append(e.getValue().asInt()).append(' ')
                        .append(COUNT_WORDS.getOrDefault(e.getKey(), e.getKey()));
            }
        });
        b.append(counts).append('\n');
        b.append("TIERS\n");
        plan.get("tiers").forEach(t -> {
            b.append("  ").append(Printable.field(t.get("name").asText()));
            if (!t.path("rto").isNull() && t.has("rto")) {
                b.append("  (rto ").append(Printable.field(t.get("rto").asText())).append(')');
            }
            b.append('\n');
            t.get("vms").forEach(v -> {
                b.append(String.format("    %-12s %-13s %-20s", Printable.field(v.get("vm").asText()),
                        Printable.field(v.get("state").asText()), Printable.field(v.path("runState").asText("-"))));
                if (v.has("step")) {
                    b.append(' ').append(Printable.field(v.get("step").asText())).append(' ')
                            .append(Printable.field(v.get("stepState").asText()));
                }
                if (v.has("reason")) {
                    b.append("  ").append(Printable.field(v.get("reason").asText()));
                } else if (v.has("waiting")) {
                    b.append("  ").append(Printable.field(v.get("waiting").asText()));
                }
                b.append('\n');
            });
        });
        if (!plan.get("criticalPath").isEmpty()) {
            b.append("CRITICAL PATH SO FAR\n  ");
            StringBuilder path = new StringBuilder();
            plan.get("criticalPath").forEach(p -> path.append(path.isEmpty() ? "" : " -> ")
                    .append(Printable.field(p.get("vm").asText())).append(" (")
                    .append(Duration.ofMillis(p.get("elapsedMillis").asLong()).toSeconds()).append(" s)"));
            b.append(path).append('\n');
        }
    }

    private static final java.util.Map<String, String> COUNT_WORDS = java.util.Map.of("succeeded", "succeeded",
            "awaitingDecision", "awaiting a decision", "running", "running", "pending", "pending", "failed", "failed",
            "notAttempted", "not attempted", "rolledBack", "rolled back");

    private static void section(StringBuilder b, String title, com.fasterxml.jackson.databind.JsonNode items) {
        if (items.isEmpty()) {
            return;
        }
        b.append(title).append('\n');
        items.forEach(i -> {
            b.append(String.format("  %-26s %-18s", Printable.field(i.get("id").asText()), Printable.field(i.get("state").asText())));
            if (i.has("millis")) {
                b.append(String.format(" %6d ms", i.get("millis").asLong()));
            }
            if (i.has("uses")) {
                b.append("  ").append(Printable.field(i.get("uses").asText()));
            }
            if (i.has("error")) {
                b.append("  ").append(Printable.field(i.get("error").asText()));
            } else if (i.has("reason")) {
                b.append("  ").append(Printable.field(i.get("reason").asText()));
            }
            b.append('\n');
        });
    }
}
