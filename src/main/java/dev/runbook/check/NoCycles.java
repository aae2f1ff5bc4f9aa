package dev.runbook.check;

import dev.runbook.model.Step;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code needs} between steps of one list form no cycle. */
final class NoCycles implements Rule {

    @Override
    public String id() {
        return "cycle";
    }

    @Override
    public String summary() {
        return "needs between the steps of a list form no cycle.";
    }

    @Override
    public void check(Context ctx) {
        checkList(ctx, ctx.runbook.steps());
        checkList(ctx, ctx.runbook.finallySteps());
    }

    private void checkList(Context ctx, List<Step> steps) {
        Map<String, Step> byId = new HashMap<>();
        steps.forEach(s -> byId.putIfAbsent(s.id(), s));
        Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
        for (Step s : steps) {
            List<String> path = new ArrayList<>();
            if (visit(s.id(), byId, state, path)) {
                Step first = byId.get(path.get(0));
                ctx.error(first.pointer() + "/needs", "steps need each other in a cycle: "
                        + String.join(" -> ", path) + "; remove one of these needs");
                return;
            }
        }
        for (Step s : steps) {
            if (s instanceof Step.Parallel p) {
                checkList(ctx, p.steps());
            }
        }
    }

    private static boolean visit(String id, Map<String, Step> byId, Map<String, Integer> state, List<String> path) {
        Step s = byId.get(id);
        if (s == null) {
            return false;
        }
        Integer st = state.get(id);
        if (st != null && st == 2) {
            return false;
        }
        path.add(id);
        if (st != null && st == 1) {
            int from = path.indexOf(id);
            path.subList(0, from).clear();
            return true;
        }
        state.put(id, 1);
        for (String need : s.common().needs()) {
            if (visit(need, byId, state, path)) {
                return true;
            }
        }
        state.put(id, 2);
        path.remove(path.size() - 1);
        return false;
    }
}
