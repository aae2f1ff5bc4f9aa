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
            if (s.steps() != null) {
                collect(s.steps(), out);
            }
            if (!Boolean.TRUE.equals(s.mutates())) {
                continue;
            }
            if (s.undo() != null) {
                out.add(new Plan.Compensation(s.id(), s.undo().uses(), s.undo().coveredBy(), null));
            } else if (s.irreversible() != null) {
                out.add(new Plan.Compensation(s.id(), null, null, s.irreversible()));
            }
        }
    }
}
