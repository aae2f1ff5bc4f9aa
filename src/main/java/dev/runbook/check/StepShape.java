package dev.runbook.check;

import dev.runbook.model.Step;
import java.util.List;

/** Keys that only fit one kind of step are not written on another; decisions stand at the top level. */
final class StepShape implements Rule {

    private static final List<String> ACTION_ONLY = List.of("with", "retry", "undo", "irreversible");

    @Override
    public String id() {
        return "step-shape";
    }

    @Override
    public String summary() {
        return "Action-only keys are not used on groups or decisions; decisions are top-level steps.";
    }

    @Override
    public void check(Context ctx) {
        var doc = ctx.doc();
        for (Step s : ctx.runbook.allSteps()) {
            if (!(s instanceof Step.Action)) {
                String kind = s instanceof Step.Parallel ? "a parallel group" : "a decision";
                for (String key : ACTION_ONLY) {
                    if (!doc.root().at(s.pointer() + "/" + key).isMissingNode()) {
                        ctx.errorAtKey(s.pointer() + "/" + key, "'" + key + "' does not apply to " + kind
                                + " ('" + s.id() + "'); move it onto an action step");
                    }
                }
            }
            if (s instanceof Step.Action a && a.undo().isPresent() && a.irreversible().isPresent()) {
                ctx.errorAtKey(s.pointer() + "/irreversible", "step '" + s.id()
                        + "' has both 'undo' and 'irreversible'; keep one");
            }
            if (s instanceof Step.Parallel p) {
                for (Step branch : p.steps()) {
                    if (branch instanceof Step.Decision) {
                        ctx.error(branch.pointer(), "decision '" + branch.id()
                                + "' cannot run inside parallel group '" + p.id() + "'; make it a top-level step");
                    }
                }
                if (p.concurrency() > p.steps().size()) {
                    ctx.warning(p.pointer() + "/parallel/concurrency", "concurrency " + p.concurrency()
                            + " is more than the group's " + p.steps().size() + " branches");
                }
            }
        }
        for (Step s : ctx.runbook.finallySteps()) {
            if (s instanceof Step.Decision) {
                ctx.error(s.pointer(), "decision '" + s.id() + "' cannot stand in 'finally'; move it into 'steps'");
            }
        }
    }
}
