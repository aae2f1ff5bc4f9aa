package dev.runbook.check;

import dev.runbook.model.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every name a step refers to resolves: {@code needs} to a sibling, {@code coveredBy} to an earlier
 * step that has an undo, {@code steps.x} / {@code steps['x']} in an expression to a step that runs
 * before the expression is evaluated.
 */
final class References implements Rule {

    static final Pattern STEP_REF = Pattern.compile("\\bsteps\\s*(?:\\.\\s*([A-Za-z_$][\\w$]*)|\\[\\s*(['\"])([^'\"]+)\\2\\s*\\])");

    @Override
    public String id() {
        return "unknown-reference";
    }

    @Override
    public String summary() {
        return "needs, coveredBy and steps.<id> in expressions name steps that exist and run earlier.";
    }

    @Override
    public void check(Context ctx) {
        Map<String, Step> all = new LinkedHashMap<>();
        ctx.runbook.allSteps().forEach(s -> all.putIfAbsent(s.id(), s));
        checkList(ctx, ctx.runbook.steps(), new ArrayList<>());
        checkList(ctx, ctx.runbook.finallySteps(), new ArrayList<>(ctx.runbook.steps()));
        List<String> order = new ArrayList<>(all.keySet());
        for (Context.Found f : ctx.expressions()) {
            Matcher m = STEP_REF.matcher(f.expression());
            while (m.find()) {
                String ref = m.group(1) != null ? m.group(1) : m.group(3);
                if (f.site() == Context.Site.PRECHECK || f.site() == Context.Site.LOCK) {
                    ctx.error(ctx.locate(f, 1, m.start() + 1), "'steps' is not available here: prechecks and locks "
                            + "are evaluated before any step runs");
                } else if (!all.containsKey(ref)) {
                    ctx.error(ctx.locate(f, 1, m.start() + 1), "no step has id '" + ref + "'" + hint(ref, all.keySet()));
                } else {
                    String owner = ownerOf(f.pointer(), ctx);
                    if (owner != null && order.indexOf(ref) >= order.indexOf(owner) && !ref.equals(owner)) {
                        ctx.error(ctx.locate(f, 1, m.start() + 1), "step '" + ref + "' runs after '" + owner
                                + "', so its result is not known yet; reorder the steps");
                    }
                }
            }
        }
    }

    private static void checkList(Context ctx, List<Step> steps, List<Step> before) {
        Set<String> siblings = new HashSet<>();
        steps.forEach(s -> siblings.add(s.id()));
        List<Step> earlier = new ArrayList<>(before);
        for (Step s : steps) {
            List<String> needs = s.common().needs();
            for (int i = 0; i < needs.size(); i++) {
                String need = needs.get(i);
                if (!siblings.contains(need)) {
                    ctx.error(s.pointer() + "/needs/" + i, "step '" + s.id() + "' needs '" + need
                            + "', which is not a step of the same list" + hint(need, siblings));
                } else if (need.equals(s.id())) {
                    ctx.error(s.pointer() + "/needs/" + i, "step '" + s.id() + "' cannot need itself");
                }
            }
            if (s instanceof Step.Action a && a.undo().orElse(null) instanceof Step.CoveredBy c) {
                Step target = earlier.stream().filter(e -> e.id().equals(c.stepId())).findFirst().orElse(null);
                if (target == null) {
                    ctx.error(c.pointer(), "coveredBy names '" + c.stepId() + "', which is not an earlier step; "
                            + "the covering step must run before this one");
                } else if (!(target instanceof Step.Action t && t.undo().orElse(null) instanceof Step.UndoCall)) {
                    ctx.error(c.pointer(), "coveredBy names '" + c.stepId()
                            + "', which has no undo of its own to cover this step");
                }
            }
            earlier.add(s);
            if (s instanceof Step.Parallel p) {
                checkList(ctx, p.steps(), earlier);
                earlier.addAll(p.steps());
            }
        }
    }

    /** The id of the step whose field holds the expression at {@code pointer}. */
    private static String ownerOf(String pointer, Context ctx) {
        String best = null;
        for (Step s : ctx.runbook.allSteps()) {
            if (pointer.startsWith(s.pointer() + "/") && (best == null || s.pointer().length() > best.length())) {
                best = s.pointer();
            }
        }
        if (best == null) {
            return null;
        }
        String b = best;
        return ctx.runbook.allSteps().stream().filter(s -> s.pointer().equals(b)).findFirst().map(Step::id).orElse(null);
    }

    private static String hint(String name, Set<String> known) {
        return dev.runbook.model.Suggest.closest(name, known).map(s -> "; did you mean '" + s + "'?").orElse("");
    }
}
