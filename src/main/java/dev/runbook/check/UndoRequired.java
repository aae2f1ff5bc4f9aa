package dev.runbook.check;

import dev.runbook.model.Step;

/** A step that changes the site says how it is undone, or says why it cannot be. */
final class UndoRequired implements Rule {

    @Override
    public String id() {
        return "undo-required";
    }

    @Override
    public String summary() {
        return "Every mutating step has `undo` or declares `irreversible` with a reason.";
    }

    @Override
    public void check(Context ctx) {
        for (Step s : ctx.runbook.allSteps()) {
            if (!(s instanceof Step.Action a)) {
                continue;
            }
            var spec = ctx.catalog.find(a.uses());
            if (spec.isEmpty() || !spec.get().mutates()) {
                continue;
            }
            if (a.undo().isEmpty() && a.irreversible().isEmpty()) {
                String hint = spec.get().undo().map(u -> "add `undo: {uses: " + u + "}`")
                        .orElse("add `undo:` or `irreversible: <why>`");
                ctx.error(a.pointer() + "/uses", "step '" + a.id() + "' changes the site ('" + a.uses()
                        + "') but has no undo; " + hint);
            }
        }
        for (Step s : ctx.runbook.finallySteps()) {
            if (s instanceof Step.Action a && ctx.catalog.find(a.uses()).map(p -> p.mutates()).orElse(false)) {
                ctx.error(a.pointer() + "/uses", "finally step '" + a.id() + "' changes the site; finally steps "
                        + "run after compensation and must only observe or report");
            }
        }
    }
}
