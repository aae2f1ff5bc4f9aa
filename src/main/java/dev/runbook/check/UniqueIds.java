package dev.runbook.check;

import dev.runbook.model.Runbook;
import dev.runbook.model.Step;
import java.util.HashMap;
import java.util.Map;

/** Step and precheck ids are unique in a runbook: they key the journal and the compensation. */
final class UniqueIds implements Rule {

    @Override
    public String id() {
        return "duplicate-id";
    }

    @Override
    public String summary() {
        return "Every step and precheck id is unique in the runbook.";
    }

    @Override
    public void check(Context ctx) {
        Map<String, String> seen = new HashMap<>();
        for (Runbook.Precheck p : ctx.runbook.prechecks()) {
            see(ctx, seen, p.id(), p.pointer());
        }
        for (Step s : ctx.runbook.allSteps()) {
            see(ctx, seen, s.id(), s.pointer());
        }
    }

    private static void see(Context ctx, Map<String, String> seen, String id, String pointer) {
        String first = seen.putIfAbsent(id, pointer);
        if (first != null) {
            ctx.error(pointer + "/id", "id '" + id + "' is already used at " + ctx.doc().at(first + "/id")
                    + "; give this one another id");
        }
    }
}
