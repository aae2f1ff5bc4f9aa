package dev.runbook.exec;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** The journal could not be read or written: nothing further may be done, since nothing may go unrecorded. */
public final class JournalException extends RuntimeException {

    /** What is wrong with the journal, as far as the operator can fix it. */
    public enum Problem {
        /** The disk holding the journal is full. */
        FULL("free space on the disk that holds the journal"),
        /** The journal (or its folder) cannot be written. */
        READ_ONLY("make the journal and its folder writable by this user"),
        /** The file is not a journal, or is damaged. */
        CORRUPT("restore the journal from a backup, or name another one with --journal"),
        OTHER("see the message above");

        private final String fix;

        Problem(String fix) {
            this.fix = fix;
        }

        public String fix() {
            return fix;
        }
    }

    private final Problem problem;
    private final String runId;

    public JournalException(String message, Throwable cause) {
        this(message, cause, problemOf(cause), null);
    }

    /** A failure of the journal in {@code file}: an I/O error on a disk with no space left is a full disk. */
    JournalException(String message, Throwable cause, java.nio.file.Path file) {
        this(message, cause, problemOf(cause, file), null);
    }

    private static Problem problemOf(Throwable cause, java.nio.file.Path file) {
        Problem p = problemOf(cause);
        if (p == Problem.OTHER && file != null && cause instanceof SQLiteException e && e.getResultCode() != null
                && e.getResultCode().name().startsWith("SQLITE_IOERR")) {
            try {
                java.nio.file.Path at = file.toAbsolutePath().getParent();
                if (at != null && java.nio.file.Files.getFileStore(at).getUsableSpace() < (1 << 20)) {
                    return Problem.FULL;
                }
            } catch (java.io.IOException ignored) {
                // the disk cannot even say how full it is: leave the problem unknown
            }
        }
        return p;
    }

    private JournalException(String message, Throwable cause, Problem problem, String runId) {
        super(message, cause);
        this.problem = problem;
        this.runId = runId;
    }

    public Problem problem() {
        return problem;
    }

    /** The run that was being driven when the journal failed, if any: resuming it continues from the journal. */
    public java.util.Optional<String> runId() {
        return java.util.Optional.ofNullable(runId);
    }

    /** The same failure, naming the run it stopped. */
    JournalException during(String run) {
        return runId != null ? this : new JournalException(getMessage(), getCause(), problem, run);
    }

    private static Problem problemOf(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException e) {
                SQLiteErrorCode code = e.getResultCode();
                String name = code == null ? "" : code.name();
                if (name.startsWith("SQLITE_FULL") || name.equals("SQLITE_IOERR_WRITE") && isNoSpace(e)) {
                    return Problem.FULL;
                }
                if (name.startsWith("SQLITE_READONLY") || name.startsWith("SQLITE_CANTOPEN")
                        || name.startsWith("SQLITE_PERM") || name.startsWith("SQLITE_AUTH")) {
                    return Problem.READ_ONLY;
                }
                if (name.startsWith("SQLITE_CORRUPT") || name.startsWith("SQLITE_NOTADB")) {
                    return Problem.CORRUPT;
                }
            }
            if (t instanceof java.nio.file.AccessDeniedException || t instanceof java.nio.file.ReadOnlyFileSystemException) {
                return Problem.READ_ONLY;
            }
            if (t instanceof java.io.IOException io && io.getMessage() != null
                    && io.getMessage().contains("No space left on device")) {
                return Problem.FULL;
            }
        }
        return Problem.OTHER;
    }

    private static boolean isNoSpace(SQLiteException e) {
        return e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("full");
    }
}
