package dev.runbook.cli;

/** The process exit codes, documented in the README. */
final class ExitCodes {

    static final int OK = 0;
    static final int INTERNAL = 1;
    static final int INVALID = 2;
    static final int PRECHECK_BLOCKED = 3;
    static final int STALE_PLAN = 4;
    static final int COMPENSATION_FAILED = 5;
    static final int REFUSED = 6;
    static final int FAILED = 7;

    private ExitCodes() {
    }
}
