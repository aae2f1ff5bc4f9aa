package dev.runbook.check;

/** What a rule tells users about itself: the id printed with each finding, and a one-line summary. */
interface RuleInfo {

    String id();

    String summary();
}
