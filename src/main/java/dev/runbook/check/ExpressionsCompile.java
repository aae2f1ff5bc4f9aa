package dev.runbook.check;

import dev.runbook.expr.Expressions;
import dev.runbook.expr.Interpolation;
import dev.runbook.expr.Scope;
import dev.runbook.model.Suggest;
import dev.runbook.model.Param;
import dev.runbook.model.Step;
import java.util.Iterator;
import java.util.Set;

/**
 * Every expression compiles, reads only names its place provides ({@code result} only where there is a
 * result, nothing dynamic in locks), and every {@code ${{} is closed.
 */
final class ExpressionsCompile implements Rule {

    @Override
    public String id() {
        return "expression";
    }

    @Override
    public String summary() {
        return "Expressions compile and read only the names available where they stand.";
    }

    @Override
    public void check(Context ctx) {
        unclosed(ctx);
        for (Context.Found f : ctx.expressions()) {
            var error = ctx.expressions.compile(f.expression());
            if (error.isPresent()) {
                var e = error.get();
                ctx.error(ctx.locate(f, e.line(), e.column()), "expression does not compile: " + e.message());
                continue;
            }
            for (String name : Expressions.unknownNames(f.expression())) {
                ctx.error(ctx.locate(f, 1, f.expression().indexOf(name) + 1), "unknown name '" + name + "'"
                        + Suggest.closest(name, Scope.CURRENT).map(s -> "; did you mean '" + s + "'?")
                                .orElse("; available: " + String.join(", ", Scope.CURRENT)));
            }
            Set<String> names = dev.runbook.expr.Expressions.namesRead(f.expression());
            if (names.contains("result") && f.site() != Context.Site.PRECHECK && f.site() != Context.Site.UNDO) {
                ctx.error(ctx.locate(f, 1, f.expression().indexOf("result") + 1), "'result' is only known in a "
                        + "precheck's require and fix, and in an undo's parameters");
            }
            if (names.contains("run") && f.site() == Context.Site.LOCK) {
                ctx.error(ctx.locate(f, 1, f.expression().indexOf("run") + 1),
                        "locks are fixed when planning; 'run' is not known then");
            }
        }
    }

    /** A {@code ${{} without its {@code }}} would otherwise pass as plain text. */
    private static void unclosed(Context ctx) {
        ctx.runbook.locks().forEach(p -> scan(ctx, p.value(), p.pointer()));
        ctx.runbook.prechecks().forEach(p -> {
            scan(ctx, p.with().value(), p.with().pointer());
            scan(ctx, p.fix().value(), p.fix().pointer());
        });
        for (Step s : ctx.runbook.allSteps()) {
            if (s instanceof Step.Action a) {
                scan(ctx, a.with().value(), a.with().pointer());
                if (a.undo().orElse(null) instanceof Step.UndoCall u) {
                    Param w = u.with();
                    scan(ctx, w.value(), w.pointer());
                }
            }
        }
    }

    private static void scan(Context ctx, com.fasterxml.jackson.databind.JsonNode node, String pointer) {
        if (node.isTextual()) {
            var parsed = Interpolation.parse(node.asText());
            parsed.error().ifPresent(msg -> ctx.error(pointer, msg + "; close it with '}}'"));
        } else if (node.isObject()) {
            Iterator<String> keys = node.fieldNames();
            while (keys.hasNext()) {
                String k = keys.next();
                scan(ctx, node.get(k), dev.runbook.model.Document.child(pointer, k));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                scan(ctx, node.get(i), pointer + "/" + i);
            }
        }
    }
}
