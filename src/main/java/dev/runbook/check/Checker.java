package dev.runbook.check;

import dev.runbook.expr.Expressions;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Runbook;
import dev.runbook.primitive.Catalog;
import dev.runbook.template.Templates;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Runs every semantic rule over a runbook that passed its schema, and collects all findings. */
public final class Checker {

    static final List<Rule> RULES = List.of(new UniqueIds(), new StepShape(), new References(), new NoCycles(),
            new ExpressionsCompile(), new PrimitivesFit(), new UndoRequired(), new TemplatesExist(),
            new LifecycleTransition(), new DecisionWindow(), new InputsTyped(), DeprecatedNames.RULE);

    private final Catalog catalog;
    private final Expressions expressions;

    public Checker(Catalog catalog, Expressions expressions) {
        this.catalog = catalog;
        this.expressions = expressions;
    }

    public List<Diagnostic> check(Runbook runbook, Templates templates) {
        List<Diagnostic> out = new ArrayList<>();
        Context ctx = new Context(runbook, catalog, templates, expressions, out);
        for (Rule rule : RULES) {
            ctx.enter(rule);
            rule.check(ctx);
        }
        out.sort(Comparator.comparingInt((Diagnostic d) -> d.span().line()).thenComparingInt(d -> d.span().column()));
        return out;
    }

    /** Rule ids and summaries, for documentation and {@code runbook rules}. */
    public static List<String[]> rules() {
        List<String[]> out = new ArrayList<>();
        for (Rule r : RULES) {
            out.add(new String[] {r.id(), r.summary()});
        }
        for (RuleInfo r : InventoryChecker.RULES) {
            if (out.stream().noneMatch(listed -> listed[0].equals(r.id()))) { // a rule of both kinds is listed once
                out.add(new String[] {r.id(), r.summary()});
            }
        }
        return out;
    }
}
