package dev.runbook.check;

import dev.runbook.model.Operation;
import dev.runbook.model.Step;
import java.util.List;

/**
 * The runbook's decisions fit its operation's lifecycle: a test failover is never committed; a planned
 * or live failover (and a failback) ends in exactly one commit-or-rollback decision; commit and
 * rollback runbooks decide nothing.
 */
final class LifecycleTransition implements Rule {

    @Override
    public String id() {
        return "lifecycle";
    }

    @Override
    public String summary() {
        return "Decision points fit the operation's lifecycle transition (commit only after planned or live failover).";
    }

    @Override
    public void check(Context ctx) {
        Operation op = ctx.runbook.operation();
        List<Step.Decision> decisions = ctx.runbook.steps().stream()
                .filter(s -> s instanceof Step.Decision).map(s -> (Step.Decision) s).toList();
        for (Step.Decision d : decisions) {
            for (int i = 0; i < d.options().size(); i++) {
                Operation.Outcome o = d.options().get(i);
                if (!op.decisions().contains(o)) {
                    ctx.error(d.pointer() + "/decision/options/" + i, "a " + op + " cannot end in '" + o + "'"
                            + (op.decisions().isEmpty() ? "; it takes no decision" : "; allowed: " + op.decisions())
                            + " (lifecycle " + op.from() + " -> " + op.to() + ")");
                }
            }
        }
        boolean needsDecision = op.to() == dev.runbook.model.LifecycleState.AWAITING_COMMIT
                || op.to() == dev.runbook.model.LifecycleState.FAILBACK_AWAITING_COMMIT;
        if (needsDecision && decisions.size() != 1) {
            ctx.error("/spec/operation", "a " + op + " must end in one commit-or-rollback decision step; it has "
                    + decisions.size());
        }
        if (needsDecision && decisions.size() == 1) {
            List<Step> steps = ctx.runbook.steps();
            if (steps.get(steps.size() - 1) != decisions.get(0)) {
                ctx.error(decisions.get(0).pointer(), "the decision must be the last step of a " + op
                        + "; move the steps after it before it");
            }
        }
    }
}
