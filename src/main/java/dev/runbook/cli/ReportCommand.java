package dev.runbook.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.app.ExitCodes;
import dev.runbook.app.RunReport;
import dev.runbook.exec.Journal;
import dev.runbook.load.BoundedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook report RUN}: an auditor's report of a run from the journal, or the check of a saved one. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write an auditor's report of a run, whatever its state: who started and decided what and "
                + "when, the runbook's and inventory's versions, hashes and git commit, prechecks, every step's "
                + "timeline, steps not executed, compensations, remediation, addresses per NIC and the runs "
                + "continuing it, with a SHA-256 over the journal records it was made from. With --verify, check a "
                + "saved report against the journal (exit 4 when the journal or the report was edited). Reads the "
                + "journal only.")
final class ReportCommand implements Callable<Integer> {

    /** Larger than any report of one run; a report is read whole to be checked. */
    private static final long MAX_REPORT_BYTES = 64L << 20;

    static final Map<RunReport.Format, RunReport.Printer> PRINTERS = Map.of(
            RunReport.Format.JSON, RunReport::json,
            RunReport.Format.MD, ReportMarkdown::print,
            RunReport.Format.HTML, ReportHtml::print);

    enum Format { html, md, json }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "The run (`runbook status` lists runs).")
    String runId;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "md",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); JSON is the canonical form.")
    Format format;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Write the report to FILE (mode 0600) instead of printing it.")
    Path outFile;

    @Option(names = "--verify", paramLabel = "FILE",
            description = "Check a saved report (any format) against the journal instead of writing one.")
    Path verifyFile;

    @Mixin
    JournalOptions where;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Path file = where.file();
        if (!Files.exists(file)) {
            err.println("runbook: there is no journal " + file + "; name it with --journal (`runbook status --journal FILE` lists its runs)");
            return ExitCodes.INVALID;
        }
        try (Journal journal = where.open()) {
            if (verifyFile != null) {
                return verify(journal, file, out, err);
            }
            Optional<ObjectNode> report = RunReport.of(journal, runId);
            if (report.isEmpty()) {
                err.println("runbook: there is no run " + Printable.field(runId) + " in " + file + "; `runbook status` lists runs");
                return ExitCodes.INVALID;
            }
            RunReport.Format f = RunReport.Format.byId(format.name()).orElseThrow();
            String text = PRINTERS.get(f).print(report.get());
            if (outFile == null) {
                out.print(text);
                out.flush();
                return ExitCodes.OK;
            }
            try {
                write(outFile, text);
            } catch (IOException e) {
                err.println("runbook: cannot write the report to " + outFile + ": " + e.getMessage());
                return ExitCodes.INVALID;
            }
            err.println("report of run " + Printable.field(runId) + " written to " + outFile + " (SHA-256 over the journal "
                    + report.get().at("/integrity/sha256").asText() + "; check it with `runbook report "
                    + Printable.field(runId) + " --verify " + outFile + "`)");
            return ExitCodes.OK;
        }
    }

    private int verify(Journal journal, Path file, java.io.PrintWriter out, java.io.PrintWriter err) {
        String saved;
        try {
            saved = BoundedFile.read(verifyFile, MAX_REPORT_BYTES);
        } catch (BoundedFile.Refused e) {
            if (e.rule().equals("encoding")) {
                err.println("runbook: " + verifyFile + ": not UTF-8, so not a report as runbook wrote it: the report was edited");
                return ExitCodes.STALE;
            }
            err.println("runbook: " + verifyFile + ": " + e.getMessage());
            return ExitCodes.INVALID;
        }
        RunReport.Verdict v = RunReport.verify(journal, file.toString(), runId, saved, PRINTERS);
        switch (v) {
            case RunReport.Verdict.Matches m -> out.println(verifyFile + ": " + Printable.text(m.message()));
            case RunReport.Verdict.Edited e -> err.println("runbook: " + verifyFile + ": " + Printable.text(e.message()));
            case RunReport.Verdict.NoSuchRun n -> err.println("runbook: " + Printable.text(n.message()));
        }
        return v.exitCode();
    }

    /** The report holds what the journal holds (plans, results), so only its owner reads it, like the journal. */
    private static void write(Path to, String text) throws IOException {
        if (!Files.exists(to)) {
            try {
                Files.createFile(to, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                // a file system without POSIX modes: the umask decides
            }
        }
        Files.writeString(to, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
    }
}
