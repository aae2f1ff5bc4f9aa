package dev.runbook.app;

/** The process exit codes, documented in the README. */
public final class ExitCodes {

    public static final int OK = 0;
    public static final int INTERNAL = 1;
    public static final int INVALID = 2;
    public static final int PRECHECK_BLOCKED = 3;
    /** A saved plan or a saved run report no longer matches what it was made from. */
    public static final int STALE = 4;
    public static final int STALE_PLAN = STALE;
    public static final int COMPENSATION_FAILED = 5;
    public static final int REFUSED = 6;
    public static final int FAILED = 7;
    public static final int JOURNAL_FULL = 8;
    public static final int JOURNAL_READ_ONLY = 9;
    public static final int JOURNAL_CORRUPT = 10;

    /** The exit code for a journal that cannot be used. */
    public static int of(dev.runbook.exec.JournalException.Problem problem) {
        return switch (problem) {
            case FULL -> JOURNAL_FULL;
            case READ_ONLY -> JOURNAL_READ_ONLY;
            case CORRUPT -> JOURNAL_CORRUPT;
            case OTHER -> INTERNAL;
        };
    }

    private ExitCodes() {
    }
}
