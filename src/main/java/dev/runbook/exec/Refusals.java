package dev.runbook.exec;

/** The messages of a run that is not admitted. */
final class Refusals {

    private Refusals() {
    }

    static String locked(String lock, String holder) {
        return "lock '" + lock + "' is held by run " + holder + "; wait for it to finish, or roll it back or commit it"
                + " (runbook status " + holder + ")";
    }

    static String lifecycle(RunRecord r, String state, String byRun) {
        String by = byRun == null ? "" : " (run " + byRun + ")";
        if (state.equals("committed") && r.operation().equals("rollback")) {
            return r.vm() + " is committed" + by + "; commit is final, so normal rollback is no longer available;"
                    + " move production back with a failback: reprotect it (runbooks/reprotect.yaml), then fail back";
        }
        if (state.equals("committed") && r.operation().equals("failback")) {
            return r.vm() + " is committed" + by + " but still replicates forward; reprotect it first (reverse"
                    + " replication with runbooks/reprotect.yaml), then fail back";
        }
        return r.operation() + " is not allowed while " + r.vm() + " is " + state + by;
    }
}
