package dev.runbook.check;

/** One semantic rule over a runbook: an id users see in messages, a summary, and the check. */
interface Rule extends RuleInfo {

    void check(Context ctx);
}
