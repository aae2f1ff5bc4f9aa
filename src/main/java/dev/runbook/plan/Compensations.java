package dev.runbook.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The compensation chain: for every step that would run and change the site, in reverse order, its
 * undo, the step whose undo covers it, or why it cannot be undone.
 */
final class Compensations {

    private Compensations() {
    }

    static List<Plan.Compensation> chain(List<Plan.PlannedStep> steps) {
        List<Plan.Compensation> forward = new ArrayList<>();
        collect(steps, forward);
        Collections.reverse(forward);
        return List.copyOf(forward);
    }

    private static void collect(List<Plan.PlannedStep> steps, List<Plan.Compensation> out) {
        for (Plan.PlannedStep s : steps) {
            if (s.skipped()) {
                continue;
            }
            collect(s.children(), out);
            if (!(s instanceof Plan.PlannedAction a) || !a.mutates()) {
                continue;
            }
            if (a.undo() != null) {
                out.add(new Plan.Compensation(a.id(), a.undo().uses(), a.undo().coveredBy(), null));
            } else if (a.irreversible() != null) {
                out.add(new Plan.Compensation(a.id(), null, null, a.irreversible()));
            }
        }
    }
}
