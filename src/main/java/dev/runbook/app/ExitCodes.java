package dev.runbook.app;

/** The process exit codes, documented in the README. */
public final class ExitCodes {

    public static final int OK = 0;
    public static final int INTERNAL = 1;
    public static final int INVALID = 2;
    public static final int PRECHECK_BLOCKED = 3;
    public static final int STALE_PLAN = 4;
    public static final int COMPENSATION_FAILED = 5;
    public static final int REFUSED = 6;
    public static final int FAILED = 7;

    private ExitCodes() {
    }
}
