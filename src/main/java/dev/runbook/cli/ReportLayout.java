package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.app.ReportIntegrity;
import dev.runbook.app.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a printed run report shows, in order, as blocks of plain text that each printer (Markdown, HTML)
 * escapes for its own language. Every value comes from the journal and may be hostile: the blocks carry
 * it raw, and only the printers escape it.
 */
final class ReportLayout {

    /** A piece of the printed report. */
    sealed interface Block {
        record Heading(int level, String text) implements Block {
        }

        record Paragraph(String text) implements Block {
        }

        /** Label and value pairs. */
        record Facts(List<List<String>> rows) implements Block {
        }

        record Table(List<String> header, List<List<String>> rows) implements Block {
        }

        /** Text shown as written, line by line (a run's message). */
        record Literal(String text) implements Block {
        }

        /** A line to copy: a command, a hash. */
        record Code(String text) implements Block {
        }
    }

    private final List<Block> blocks = new ArrayList<>();

    private ReportLayout() {
    }

    static List<Block> of(JsonNode report, RunReport.Format format) {
        ReportLayout l = new ReportLayout();
        l.header(report);
        l.decisions(report.path("decisions"));
        for (JsonNode run : report.path("runs")) {
            l.run(run, report.path("run").asText());
        }
        l.integrity(report, format);
        return l.blocks;
    }

    private void add(Block b) {
        blocks.add(b);
    }

    private void header(JsonNode r) {
        JsonNode run = r.path("runs").path(0);
        add(new Block.Heading(1, "Run report: " + text(run, "id")));
        add(new Block.Paragraph(text(run, "operation") + " of " + text(run, "vm") + ", " + text(run, "state")
                + " as of journal entry " + r.path("journal").path("throughSeq").asText() + " ("
                + r.path("journal").path("throughAt").asText("no entry") + "). Made by runbook report from journal "
                + text(r.path("journal"), "id") + "; JSON (--format json) is this report's canonical form, which this"
                + " text renders."));
        if (r.has("continues")) {
            JsonNode p = r.get("continues");
            add(new Block.Paragraph("This run continues run " + text(p, "id") + " (" + text(p, "operation") + " of "
                    + text(p, "vm") + ", runbook " + text(p, "runbook") + ", started by " + text(p, "startedBy") + " at "
                    + text(p, "startedAt") + "), whose own report shows its steps."));
        }
        if (r.has("recoveryPlanRun")) {
            JsonNode p = r.get("recoveryPlanRun");
            add(new Block.Paragraph("This run recovers one VM of recovery plan run " + text(p, "id") + " (" + text(p, "operation")
                    + " of " + text(p, "runbook") + ", started by " + text(p, "startedBy") + " at " + text(p, "startedAt")
                    + "), whose own report shows every VM."));
        }
    }

    private void decisions(JsonNode decisions) {
        add(new Block.Heading(2, "Decisions"));
        if (decisions.isEmpty()) {
            add(new Block.Paragraph("No decision was recorded on this run or on the runs continuing it."));
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode d : decisions) {
            JsonNode a = d.path("acceptedRemediation");
            rows.add(List.of(text(d, "run"), text(d, "outcome"), text(d, "decidedBy"), text(d, "decidedAt"), text(d, "reason"),
                    a.isObject() ? "accepted by " + text(a, "by") + " at " + text(a, "at") + ": " + text(a, "gate") : "-"));
        }
        add(new Block.Table(List.of("Run", "Outcome", "Decided by", "Decided at", "Reason", "Remediation gate"), rows));
    }

    private void run(JsonNode run, String reported) {
        boolean root = text(run, "id").equals(reported);
        add(new Block.Heading(2, "Run " + text(run, "id") + ": " + text(run, "operation") + " of " + text(run, "vm")
                + (root ? "" : run.has("continues") ? " (continues run " + text(run, "continues") + ")"
                : run.has("recoveryPlanRun") ? " (a VM of recovery plan run " + text(run, "recoveryPlanRun") + ")" : "")));
        identity(run);
        awaiting(run.path("awaiting"));
        if (run.has("tiers")) {
            tiers(run);
            add(new Block.Paragraph("A recovery plan run: each VM's prechecks, steps and compensations are in the"
                    + " section of its VM run."));
        } else {
            prechecks(run.path("prechecks"));
            steps(run.path("steps"));
            notExecuted(run.path("notExecuted"));
            compensations(run.path("compensations"));
        }
        remediation(run.path("remediation"));
        addresses(run.path("network"));
        notes(run.path("notes"));
        if (run.path("message").isTextual()) {
            add(new Block.Heading(3, "Message"));
            add(new Block.Literal(run.get("message").asText()));
        }
        timeline(run.path("journal"));
    }

    private void identity(JsonNode run) {
        List<List<String>> f = new ArrayList<>();
        f.add(List.of("State", text(run, "state") + " (since " + text(run, "stateAt") + ")"
                + (run.path("ended").asBoolean() ? "" : stillOpen(text(run, "state"), text(run, "id")))));
        f.add(List.of("Started", text(run, "startedAt") + " by " + text(run, "startedBy")));
        f.add(List.of(run.path("ended").asBoolean() ? "Ended" : "Last entry",
                run.path("ended").asBoolean() ? text(run, "endedAt") : text(run, "lastEntryAt")));
        f.add(List.of("Duration", duration(run.path("durationMillis").asLong())
                + (run.path("ended").asBoolean() ? "" : " so far (to the last entry)")));
        JsonNode rb = run.path("runbook");
        f.add(List.of("Runbook", text(rb, "name") + " " + text(rb, "version")));
        f.add(List.of("Runbook file", text(rb, "file")));
        f.add(List.of("Runbook SHA-256", text(rb, "sha256")));
        f.add(List.of("Runbook git commit", rb.path("git").isTextual() ? rb.get("git").asText() : "not recorded (not in git)"));
        JsonNode inv = run.path("inventory");
        f.add(List.of("Inventory", text(inv, "name")));
        f.add(List.of("Inventory file", text(inv, "file")));
        f.add(List.of("Inventory SHA-256", text(inv, "sha256")));
        f.add(List.of("Plan hash", text(run, "planHash")));
        if (run.has("planError")) {
            f.add(List.of("Plan", text(run, "planError")));
        }
        f.add(List.of("Continues", run.has("continues") ? "run " + text(run, "continues") : "no run (started on its own)"));
        List<String> children = new ArrayList<>();
        run.path("continuedBy").forEach(c -> children.add("run " + c.asText()));
        f.add(List.of("Continued by", children.isEmpty() ? "no run" : String.join(", ", children)));
        if (run.has("recoveryPlanRun")) {
            f.add(List.of("Recovery plan run", text(run, "recoveryPlanRun")));
        }
        if (run.has("vmRuns")) {
            List<String> vms = new ArrayList<>();
            run.get("vmRuns").forEach(v -> vms.add(v.asText()));
            f.add(List.of("VM runs", String.join(", ", vms)));
        }
        add(new Block.Facts(f));
    }

    private static String stillOpen(String state, String id) {
        return switch (state) {
            case "awaiting-decision" -> "; awaiting a decision: runbook commit " + id + " or runbook rollback " + id;
            case "running", "compensating" -> "; under way at its last entry, or cut off: if no process drives it,"
                    + " runbook resume " + id + " continues it";
            case "compensation-failed" -> "; runbook resume " + id + " retries the compensations that failed";
            default -> "";
        };
    }

    private void awaiting(JsonNode a) {
        if (!a.isObject()) {
            return;
        }
        add(new Block.Heading(3, "Awaiting a decision"));
        List<String> options = new ArrayList<>();
        a.path("options").forEach(o -> options.add(o.asText()));
        add(new Block.Facts(List.of(List.of("Step", text(a, "step")), List.of("Since", text(a, "since")),
                List.of("Prompt", text(a, "prompt")), List.of("Options", String.join(", ", options)),
                List.of("Window", a.has("deadline") ? "until " + text(a, "deadline") + ", then " + text(a, "onTimeout") : "none"),
                List.of("Commit gate", a.has("commitWhen") ? text(a, "commitWhen") : "none"))));
    }

    private void tiers(JsonNode run) {
        add(new Block.Heading(3, "Tiers against their recovery time objective"));
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode t : run.path("tiers")) {
            List<String> vms = new ArrayList<>();
            t.path("vms").forEach(v -> vms.add(text(v, "vm") + ": " + text(v, "state")
                    + (v.path("reason").isTextual() && !text(v, "reason").equals(text(v, "state")) ? " (" + text(v, "reason") + ")" : "")));
            rows.add(List.of(text(t, "name"), String.join("; ", vms), achieved(t), text(t, "rto"), met(t)));
        }
        JsonNode whole = run.path("rto");
        rows.add(List.of("whole plan", "-", achieved(whole), text(whole, "rto"), met(whole)));
        add(new Block.Table(List.of("Tier", "VMs", "Achieved", "RTO", "Met"), rows));
    }

    private static String achieved(JsonNode t) {
        return t.path("achievedMillis").isNumber() ? duration(t.get("achievedMillis").asLong()) : "not settled";
    }

    private static String met(JsonNode t) {
        return t.path("met").isBoolean() ? (t.get("met").asBoolean() ? "yes" : "no") : "-";
    }

    private void prechecks(JsonNode prechecks) {
        add(new Block.Heading(3, "Prechecks"));
        if (prechecks.isEmpty()) {
            add(new Block.Paragraph("The plan has no prechecks."));
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode p : prechecks) {
            rows.add(List.of(text(p, "id"), text(p, "probe"), text(p, "severity"), text(p, "state"), text(p, "at"),
                    p.has("error") ? text(p, "error") : p.has("result") ? clip(p.get("result").toString()) : "-"));
        }
        add(new Block.Table(List.of("Precheck", "Probe", "Severity", "State", "At", "Result or failure"), rows));
    }

    private void steps(JsonNode steps) {
        add(new Block.Heading(3, "Steps"));
        if (steps.isEmpty()) {
            add(new Block.Paragraph("No step was started."));
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode s : steps) {
            String detail = s.has("error") ? text(s, "error") : s.has("reason") ? text(s, "reason")
                    : s.path("observed").asBoolean() ? "its effect was observed at the site, not applied again" : "-";
            rows.add(List.of(text(s, "index"), text(s, "id") + (s.has("group") ? " (in " + text(s, "group") + ")" : ""),
                    text(s, "uses"), text(s, "state"), s.path("attempts").asText(), s.path("retries").asText(),
                    text(s, "startedAt"), s.has("endedAt") ? text(s, "endedAt") : "-",
                    s.has("millis") ? duration(s.get("millis").asLong()) : "-", detail));
        }
        add(new Block.Table(List.of("#", "Step", "Uses", "State", "Attempts", "Retries", "Started", "Ended", "Duration",
                "Error or reason"), rows));
    }

    private void notExecuted(JsonNode steps) {
        add(new Block.Heading(3, "Steps not executed"));
        if (steps.isEmpty()) {
            add(new Block.Paragraph("Every planned step was started."));
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode s : steps) {
            rows.add(List.of(text(s, "index"), text(s, "id"), text(s, "uses"), text(s, "why")));
        }
        add(new Block.Table(List.of("#", "Step", "Uses", "Why"), rows));
    }

    private void compensations(JsonNode compensations) {
        add(new Block.Heading(3, "Compensations"));
        if (compensations.isEmpty()) {
            add(new Block.Paragraph("No compensation was registered."));
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode c : compensations) {
            String undo = c.path("undo").isTextual() ? text(c, "undo") : c.path("coveredBy").isTextual()
                    ? "covered by " + text(c, "coveredBy") : "irreversible: " + text(c, "irreversible");
            String state = text(c, "state") + (text(c, "state").equals("registered") ? " (never run)" : "");
            rows.add(List.of(text(c, "step"), undo, state, c.path("attempts").asText(), text(c, "registeredAt"),
                    c.has("startedAt") ? text(c, "startedAt") : "-", c.has("endedAt") ? text(c, "endedAt") : "-",
                    c.has("millis") ? duration(c.get("millis").asLong()) : "-",
                    c.has("error") ? text(c, "error") : c.has("reason") ? text(c, "reason") : "-"));
        }
        add(new Block.Table(List.of("Step", "Undo", "State", "Attempts", "Registered", "Started", "Ended", "Duration",
                "Error or reason"), rows));
    }

    private void remediation(JsonNode r) {
        if (!r.isObject()) {
            return;
        }
        add(new Block.Heading(3, "Guest remediation"));
        add(new Block.Facts(List.of(List.of("VM", text(r, "vm")), List.of("Status", text(r, "status")),
                List.of("Detail", r.has("detail") ? text(r, "detail") : "-"))));
        if (r.path("actions").isArray() && !r.get("actions").isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            r.get("actions").forEach(a -> rows.add(List.of(text(a, "action"), text(a, "outcome"), text(a, "detail"))));
            add(new Block.Table(List.of("Action", "Outcome", "Detail"), rows));
        }
    }

    private void addresses(JsonNode nics) {
        if (nics.isEmpty()) {
            return;
        }
        add(new Block.Heading(3, "Addresses per NIC: expected and observed"));
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode n : nics) {
            JsonNode e = n.path("expected");
            List<String> dns = new ArrayList<>();
            e.path("dns").forEach(d -> dns.add(d.asText()));
            String expected = text(e, "mode").equals("static") ? "static " + text(e, "address")
                    + (e.path("gateway").isTextual() ? " via " + text(e, "gateway") : "")
                    + (dns.isEmpty() ? "" : ", DNS " + String.join(" ", dns)) : text(e, "mode");
            JsonNode a = n.path("attachedTo");
            String attached = a.isObject() ? text(a, "network") + " (step " + text(a, "step") + ", " + text(a, "stepState") + ")"
                    : "not planned by this run";
            JsonNode o = n.path("observed");
            String observed = (text(o, "status").equals("not-observed") ? "not observed" : text(o, "status"))
                    + ": " + text(o, "detail");
            rows.add(List.of(text(n, "nic"), text(n, "mac"), text(n, "policy"), expected, attached, observed));
        }
        add(new Block.Table(List.of("NIC", "MAC", "Policy", "Expected", "Attached to", "Observed"), rows));
    }

    private void notes(JsonNode notes) {
        if (notes.isEmpty()) {
            return;
        }
        add(new Block.Heading(3, "Notes"));
        List<List<String>> rows = new ArrayList<>();
        notes.forEach(n -> rows.add(List.of(text(n, "at"), text(n, "note") + (n.has("about") ? " (" + text(n, "about") + ")" : ""),
                text(n, "message"))));
        add(new Block.Table(List.of("At", "Note", "Message"), rows));
    }

    private void timeline(JsonNode journal) {
        add(new Block.Heading(3, "Timeline (every journal entry of the run)"));
        List<List<String>> rows = new ArrayList<>();
        journal.forEach(e -> rows.add(List.of(e.path("seq").asText(), text(e, "at"), text(e, "kind"),
                e.path("step").isTextual() ? text(e, "step") : "-", text(e, "state"), clip(text(e, "detail")))));
        add(new Block.Table(List.of("Seq", "At", "Kind", "Step", "State", "Detail"), rows));
    }

    private void integrity(JsonNode r, RunReport.Format format) {
        JsonNode i = r.path("integrity");
        List<String> of = new ArrayList<>();
        i.path("entriesOf").forEach(x -> of.add(x.asText()));
        List<String> records = new ArrayList<>();
        i.path("recordsOf").forEach(x -> records.add(x.asText()));
        add(new Block.Heading(2, "Integrity"));
        add(new Block.Paragraph("SHA-256 over the " + i.path("entries").asText() + " journal entries of runs "
                + String.join(", ", of) + " through entry " + i.path("throughSeq").asText() + ", and the admission records"
                + " of runs " + String.join(", ", records) + ":"));
        add(new Block.Code(text(i, "sha256")));
        add(new Block.Paragraph("Canonical form: " + ReportIntegrity.CANONICAL_FORM + "."));
        add(new Block.Paragraph("To check this report against the journal, save it unchanged and run the command"
                + " below: it exits 0 when the report is what the journal gives, and 4 when the journal or the report"
                + " was edited. The same journal always gives the same report; entries the run records later are not"
                + " covered."));
        add(new Block.Code(text(i, "verify")));
        add(new Block.Code(RunReport.integrityLine(r, format)));
    }

    private static String text(JsonNode o, String key) {
        JsonNode v = o.path(key);
        return v.isNull() || v.isMissingNode() ? "-" : v.asText();
    }

    /** A long value cut for a table cell; the JSON report has it whole. */
    private static String clip(String s) {
        if (s.length() <= 240) {
            return s;
        }
        int cut = Character.isHighSurrogate(s.charAt(239)) ? 239 : 240;
        return s.substring(0, cut) + "... (" + s.length() + " characters; see --format json)";
    }

    /**
     * One value on one line as a printer may write it: control characters escaped ({@link Printable}), and
     * so is half a surrogate pair, which UTF-8 cannot carry (the saved report would not read back the same).
     */
    static String field(String s) {
        String p = Printable.field(s);
        StringBuilder out = null;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < p.length() && Character.isLowSurrogate(p.charAt(i + 1))
                    || Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(p.charAt(i - 1));
            boolean lone = Character.isSurrogate(c) && !paired;
            if (lone && out == null) {
                out = new StringBuilder(p.length() + 8).append(p, 0, i);
            }
            if (out != null) {
                out.append(lone ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out == null ? p : out.toString();
    }

    /** A duration as people read it: 850 ms, 12.300 s, 4 min 05 s, 2 h 03 min. */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.3f s", millis / 1000.0);
        }
        long s = millis / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
