package dev.runbook.cli;

import dev.runbook.exec.SqliteJournal;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the journal is: {@code --journal}, else {@code RUNBOOK_JOURNAL}, else {@code .state/journal.db}. */
final class JournalOptions {

    @Option(names = "--journal", paramLabel = "FILE",
            description = "The journal (SQLite) file; default $RUNBOOK_JOURNAL, else .state/journal.db in the working folder.")
    Path journal;

    Path file() {
        if (journal != null) {
            return journal;
        }
        String env = System.getenv("RUNBOOK_JOURNAL");
        return Path.of(env != null && !env.isBlank() ? env : ".state/journal.db");
    }

    SqliteJournal open() {
        return SqliteJournal.open(file());
    }

    /** Per-run driver lock files, beside the journal. */
    Path drivers() {
        Path parent = file().toAbsolutePath().getParent();
        return parent.resolve("drivers");
    }
}
