package dev.runbook.exec;

/** How driving a step ended. */
sealed interface StepOutcome {

    /** It succeeded, was skipped, or had ended before (a resumed run). */
    record Done() implements StepOutcome {
    }

    /** It failed; the reason names the step and its place in the runbook. */
    record Failed(String reason) implements StepOutcome {
    }

    /** The run waits at a decision point. */
    record Suspended() implements StepOutcome {
    }

    StepOutcome DONE = new Done();
}
