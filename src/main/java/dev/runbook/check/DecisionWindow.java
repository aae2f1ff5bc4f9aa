package dev.runbook.check;

import dev.runbook.model.LifecycleState;
import dev.runbook.model.Operation;
import dev.runbook.model.Step;
import dev.runbook.model.WindowPolicy;

/**
 * The operator decides: a decision's window may remind, or roll back where undoing is safe (a test
 * failover, a failback), but never commit. Commit is final, so it is taken by an operator, always.
 */
final class DecisionWindow implements Rule {

    @Override
    public String id() {
        return "decision-window";
    }

    @Override
    public String summary() {
        return "A decision's window reminds, or rolls back a test failover or a failback; it never commits.";
    }

    @Override
    public void check(Context ctx) {
        Operation op = ctx.runbook.operation();
        for (Step s : ctx.runbook.steps()) {
            if (!(s instanceof Step.Decision d) || d.onTimeout().isEmpty()) {
                continue;
            }
            String at = d.pointer() + "/decision/onTimeout";
            WindowPolicy policy = d.onTimeout().get();
            if (d.decisionTimeout().isEmpty()) {
                ctx.error(at, "onTimeout '" + policy + "' needs a 'timeout': the window it acts on");
            }
            if (policy == WindowPolicy.COMMIT) {
                ctx.error(at, "onTimeout 'commit' is refused: commit is final and is an operator's decision, never a"
                        + " timer's; use 'remind' (the default)" + (undoSafe(op) ? " or 'rollback'" : "")
                        + ", and gate the operator's commit with commitWhen");
            } else if (policy == WindowPolicy.ROLLBACK && !undoSafe(op)) {
                ctx.error(at, "onTimeout 'rollback' is only for a test failover or a failback, where undoing is safe;"
                        + " a " + op + " leaves production at the recovery site, so its window can only 'remind'");
            }
        }
    }

    private static boolean undoSafe(Operation op) {
        return op.to() == LifecycleState.TEST_FAILOVER_ACTIVE || op.to() == LifecycleState.FAILBACK_AWAITING_COMMIT;
    }
}
