package dev.runbook.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;
import dev.runbook.exec.Journal;
import dev.runbook.exec.RunRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An auditor's report of one run, as JSON made from the journal alone: who started and decided what and
 * when, where the plan came from, every transition of the run and of the runs continuing it (a rollback or
 * commit of a failover), and a SHA-256 over the journal records it was made from. The same journal gives
 * the same report, byte for byte: that is how {@link #verify} tells an edited report or journal.
 */
public final class RunReport {

    /** The version of the report's shape. */
    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunReport() {
    }

    /** The forms a report is printed in; JSON is the canonical one, the others render it. */
    public enum Format {
        JSON, MD, HTML;

        public String id() {
            return name().toLowerCase();
        }

        public static Optional<Format> byId(String id) {
            for (Format f : values()) {
                if (f.id().equals(id)) {
                    return Optional.of(f);
                }
            }
            return Optional.empty();
        }
    }

    /** Prints a report's JSON in a format; the same JSON must always give the same text. */
    @FunctionalInterface
    public interface Printer {
        String print(ObjectNode report);
    }

    /**
     * What a report reads: the run, the run it continues and the recovery plan run it is part of, the runs
     * continuing it or recovering a VM of it (at any depth, in the order they were admitted), and their
     * entries up to {@code through}.
     */
    record Scope(RunRecord run, Optional<RunRecord> parent, Optional<RunRecord> planRun, List<RunRecord> continuing,
                 Map<String, List<Entry>> entries, long through) {

        /** The runs whose entries the report reads: the run first. */
        List<RunRecord> reported() {
            List<RunRecord> out = new ArrayList<>();
            out.add(run);
            out.addAll(continuing);
            return out;
        }

        /** Every run the report names, whose admission records it hashes. */
        List<RunRecord> named() {
            List<RunRecord> out = new ArrayList<>(reported());
            parent.ifPresent(out::add);
            planRun.filter(p -> !out.contains(p)).ifPresent(out::add);
            return out;
        }

        List<Entry> allEntries() {
            List<Entry> out = new ArrayList<>();
            reported().forEach(r -> out.addAll(entries.get(r.id())));
            out.sort(Comparator.comparingLong(Entry::seq));
            return out;
        }

        String sha256() {
            return ReportIntegrity.sha256(named(), allEntries());
        }
    }

    /** The report of a run as its journal stands now, or empty when the journal has no such run. */
    public static Optional<ObjectNode> of(Journal journal, String runId) {
        return scope(journal, runId, OptionalLong.empty()).map(s -> report(s, journal.id()));
    }

    static Optional<Scope> scope(Journal journal, String runId, OptionalLong through) {
        Optional<RunRecord> run = journal.run(runId);
        if (run.isEmpty()) {
            return Optional.empty();
        }
        Map<String, RunRecord> byId = new LinkedHashMap<>();
        Map<String, List<RunRecord>> children = new HashMap<>();
        for (RunRecord r : journal.runs()) {
            byId.put(r.id(), r);
            if (r.parent() != null) {
                children.computeIfAbsent(r.parent(), p -> new ArrayList<>()).add(r);
            }
            if (r.planRun() != null) {
                children.computeIfAbsent(r.planRun(), p -> new ArrayList<>()).add(r);
            }
        }
        List<RunRecord> continuing = new ArrayList<>();
        Set<String> seen = new HashSet<>(Set.of(runId));
        Deque<String> next = new ArrayDeque<>(List.of(runId));
        while (!next.isEmpty()) {
            for (RunRecord c : children.getOrDefault(next.pop(), List.of())) {
                if (seen.add(c.id())) {
                    continuing.add(c);
                    next.add(c.id());
                }
            }
        }
        Map<String, List<Entry>> entries = new HashMap<>();
        entries.put(runId, journal.entries(runId, 0));
        continuing.forEach(c -> entries.put(c.id(), journal.entries(c.id(), 0)));
        long last = through.orElse(entries.values().stream().flatMap(List::stream).mapToLong(Entry::seq).max().orElse(0));
        entries.replaceAll((id, list) -> list.stream().filter(e -> e.seq() <= last).toList());
        // A run continuing this one after the report was made is not part of it: none of its entries are.
        continuing.removeIf(c -> entries.get(c.id()).isEmpty());
        continuing.sort(Comparator.comparingLong(c -> entries.get(c.id()).get(0).seq()));
        Optional<RunRecord> parent = Optional.ofNullable(run.get().parent()).map(byId::get);
        Optional<RunRecord> planRun = Optional.ofNullable(run.get().planRun()).map(byId::get);
        return Optional.of(new Scope(run.get(), parent, planRun, continuing, entries, last));
    }

    static ObjectNode report(Scope s, String journalId) {
        ObjectNode o = MAPPER.createObjectNode().put("report", "run").put("reportVersion", VERSION)
                .put("run", s.run().id());
        ObjectNode journal = o.putObject("journal").put("id", journalId).put("throughSeq", s.through());
        s.allEntries().stream().filter(e -> e.seq() == s.through()).findFirst()
                .ifPresent(e -> journal.put("throughAt", e.at().toString()));
        s.parent().ifPresent(p -> o.set("continues", link(p)));
        s.planRun().ifPresent(p -> o.set("recoveryPlanRun", link(p)));
        o.set("decisions", decisions(s));
        ArrayNode runs = o.putArray("runs");
        for (RunRecord r : s.reported()) {
            List<String> continuedBy = s.continuing().stream().filter(c -> r.id().equals(c.parent())).map(RunRecord::id).toList();
            List<String> vmRuns = s.continuing().stream().filter(c -> r.id().equals(c.planRun())).map(RunRecord::id).toList();
            runs.add(RunSection.of(r, s.entries().get(r.id()), continuedBy, vmRuns));
        }
        List<Entry> all = s.allEntries();
        ObjectNode integrity = o.putObject("integrity").put("algorithm", "SHA-256").put("sha256", s.sha256())
                .put("run", s.run().id()).put("throughSeq", s.through()).put("entries", all.size());
        ArrayNode entriesOf = integrity.putArray("entriesOf");
        s.reported().forEach(r -> entriesOf.add(r.id()));
        ArrayNode records = integrity.putArray("recordsOf");
        s.named().stream().map(RunRecord::id).sorted().forEach(records::add);
        integrity.put("canonicalForm", ReportIntegrity.CANONICAL_FORM);
        integrity.put("verify", "runbook report " + s.run().id() + " --verify FILE --journal JOURNAL");
        return o;
    }

    /** Another run, by what it is and who started it. */
    private static ObjectNode link(RunRecord r) {
        return MAPPER.createObjectNode().put("id", r.id()).put("operation", r.operation()).put("vm", r.vm())
                .put("runbook", r.runbook()).put("startedBy", r.startedBy()).put("startedAt", r.startedAt().toString());
    }

    /**
     * Every decision on the runs: those recorded at a decision point (who, when, the outcome, a gate the
     * operator accepted), and a commit or rollback started on a run that had no decision point to record
     * it (a test failover is rolled back by starting its rollback).
     */
    private static ArrayNode decisions(Scope s) {
        ArrayNode out = MAPPER.createArrayNode();
        Set<String> recorded = new HashSet<>();
        for (Entry e : s.allEntries()) {
            if (e.kind() != Entry.Kind.DECISION) {
                continue;
            }
            JsonNode d = e.data() == null ? MAPPER.createObjectNode() : e.data();
            ObjectNode n = out.addObject().put("run", e.runId()).put("seq", e.seq()).put("step", e.step())
                    .put("outcome", e.state()).put("decidedBy", d.path("decidedBy").asText(null))
                    .put("decidedAt", d.path("decidedAt").asText(e.at().toString()))
                    .put("reason", d.path("reason").asText(null)).put("recordedAt", e.at().toString());
            if (d.path("accepted").isObject()) {
                n.set("acceptedRemediation", d.get("accepted").deepCopy());
            }
            recorded.add(e.runId() + "/" + e.state());
        }
        for (RunRecord c : s.continuing()) {
            if ((c.operation().equals("commit") || c.operation().equals("rollback"))
                    && !recorded.contains(c.parent() + "/" + c.operation())) {
                List<Entry> first = s.entries().get(c.id());
                out.addObject().put("run", c.parent()).put("seq", first.get(0).seq()).putNull("step")
                        .put("outcome", c.operation()).put("decidedBy", c.startedBy())
                        .put("decidedAt", c.startedAt().toString())
                        .put("reason", "started run " + c.id() + " (" + c.runbook() + ")")
                        .put("recordedAt", first.get(0).at().toString());
            }
        }
        return out;
    }

    /** The report printed as JSON, the canonical form. */
    public static String json(ObjectNode report) {
        try {
            return PRETTY.writeValueAsString(report) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The integrity line of a report printed in {@code format}. */
    public static String integrityLine(JsonNode report, Format format) {
        JsonNode i = report.path("integrity");
        return ReportIntegrity.line(i.path("run").asText(), format, i.path("throughSeq").asLong(), i.path("sha256").asText());
    }

    /** How checking a saved report against the journal went. */
    public sealed interface Verdict {
        /** The report is what the journal gives. */
        record Matches(String message) implements Verdict {
        }

        /** The report, or the journal, was changed since the report was made. */
        record Edited(String message) implements Verdict {
        }

        /** The journal has no such run. */
        record NoSuchRun(String message) implements Verdict {
        }

        /** The documented exit code. */
        default int exitCode() {
            return switch (this) {
                case Matches m -> ExitCodes.OK;
                case Edited e -> ExitCodes.STALE;
                case NoSuchRun n -> ExitCodes.INVALID;
            };
        }
    }

    /**
     * Checks a saved report against the journal: the hash it carries must be the hash of the journal's
     * records through the entry it names, and its text must be what those records give in its format.
     *
     * @param journalName the journal as the operator named it, for messages
     * @param printers    the printers of the formats other than JSON
     */
    public static Verdict verify(Journal journal, String journalName, String runId, String saved, Map<Format, Printer> printers) {
        Optional<ReportIntegrity.Claim> found = ReportIntegrity.find(saved);
        if (found.isEmpty()) {
            return new Verdict.Edited("the report carries no integrity line (`runbook-report v1 run=... sha256=...`) or"
                    + " integrity object that can be read: the journal or the report was edited, or it is not a run report");
        }
        ReportIntegrity.Claim claim = found.get();
        Optional<Scope> scope = scope(journal, runId, OptionalLong.of(claim.through()));
        if (scope.isEmpty()) {
            return new Verdict.NoSuchRun("there is no run " + runId + " in " + journalName + "; `runbook status` lists runs");
        }
        if (!claim.run().equals(runId)) {
            return new Verdict.Edited("the report names run " + claim.run() + ", not " + runId + ": the journal or the"
                    + " report was edited, or verify it as the report of that run");
        }
        Scope s = scope.get();
        String actual = s.sha256();
        if (!actual.equals(claim.sha256())) {
            return new Verdict.Edited("the journal or the report was edited: the report's SHA-256 " + claim.sha256()
                    + " is not " + actual + ", the hash of the journal's records of runs " + ids(s) + " through entry "
                    + claim.through());
        }
        ObjectNode expected = report(s, journal.id());
        Optional<String> differs = differs(expected, claim.format(), saved, printers);
        if (differs.isPresent()) {
            return new Verdict.Edited("the journal or the report was edited: its hash matches the journal, but "
                    + differs.get());
        }
        return new Verdict.Matches("matches: the report of run " + runId + " is what the journal gives, "
                + s.allEntries().size() + " entries of runs " + ids(s) + " through entry " + claim.through() + ", SHA-256 "
                + actual + later(journal, s));
    }

    private static String ids(Scope s) {
        return String.join(", ", s.reported().stream().map(RunRecord::id).toList());
    }

    /** Where the saved text differs from the report the journal gives, if it does. */
    private static Optional<String> differs(ObjectNode expected, Format format, String saved, Map<Format, Printer> printers) {
        if (format == Format.JSON) {
            try {
                // compared as read back: a number is read as the smallest type that holds it, whatever it was made as
                return MAPPER.readTree(saved).equals(MAPPER.readTree(json(expected))) ? Optional.empty()
                        : Optional.of("its JSON differs from the report the journal gives");
            } catch (JsonProcessingException e) {
                return Optional.of("it is not JSON");
            }
        }
        String want = printers.get(format).print(expected);
        if (want.equals(saved)) {
            return Optional.empty();
        }
        String[] a = saved.split("\n", -1);
        String[] b = want.split("\n", -1);
        int line = 0;
        while (line < a.length && line < b.length && a[line].equals(b[line])) {
            line++;
        }
        return Optional.of("its text differs from the report the journal gives from line " + (line + 1));
    }

    /** What the journal recorded of these runs since the report was made, which it does not cover. */
    private static String later(Journal journal, Scope s) {
        Scope now = scope(journal, s.run().id(), OptionalLong.empty()).orElseThrow();
        long newer = now.allEntries().stream().filter(e -> e.seq() > s.through()).count();
        return newer == 0 ? "" : "; the journal has " + newer + " later entr" + (newer == 1 ? "y" : "ies")
                + " of run " + s.run().id() + " or runs continuing it, which the report, made before them, does not"
                + " cover: `runbook report " + s.run().id() + "` makes a current one";
    }
}
