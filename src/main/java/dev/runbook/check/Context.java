package dev.runbook.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Interpolation;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Document;
import dev.runbook.model.Expr;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.SourceSpan;
import dev.runbook.model.Step;
import dev.runbook.primitive.Catalog;
import dev.runbook.template.Templates;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** What a rule sees: the runbook, the catalog, the templates, and where to report. */
final class Context {

    final Runbook runbook;
    final Catalog catalog;
    final Templates templates;
    final Expressions expressions;
    private final List<Diagnostic> diagnostics;
    private String rule = "check";

    Context(Runbook runbook, Catalog catalog, Templates templates, Expressions expressions,
            List<Diagnostic> diagnostics) {
        this.runbook = runbook;
        this.catalog = catalog;
        this.templates = templates;
        this.expressions = expressions;
        this.diagnostics = diagnostics;
    }

    void enter(Rule rule) {
        this.rule = rule.id();
    }

    Document doc() {
        return runbook.document();
    }

    void error(String pointer, String message) {
        diagnostics.add(Diagnostic.error(doc().at(pointer), rule, message));
    }

    void errorAtKey(String pointer, String message) {
        diagnostics.add(Diagnostic.error(doc().keyAt(pointer), rule, message));
    }

    void error(SourceSpan span, String message) {
        diagnostics.add(Diagnostic.error(span, rule, message));
    }

    void warning(String pointer, String message) {
        diagnostics.add(Diagnostic.warning(doc().at(pointer), rule, message));
    }

    void warning(SourceSpan span, String message) {
        diagnostics.add(Diagnostic.warning(span, rule, message));
    }

    /** An expression found in the runbook: its text, the pointer of the string, its offset there. */
    record Found(String expression, String pointer, int offset, Site site) {
    }

    /** Where an expression stands, which decides the names it may read. */
    enum Site {
        LOCK, PRECHECK, STEP, UNDO, DECISION
    }

    /** Every expression of the runbook: conditions and {@code ${{ }}} inside strings, decision prompts included. */
    List<Found> expressions() {
        List<Found> out = new ArrayList<>();
        runbook.locks().forEach(p -> strings(p, Site.LOCK, out));
        for (Runbook.Precheck p : runbook.prechecks()) {
            strings(p.with(), Site.PRECHECK, out);
            condition(p.require(), Site.PRECHECK, out);
            strings(p.fix(), Site.PRECHECK, out);
        }
        for (Step s : runbook.allSteps()) {
            s.common().when().ifPresent(e -> condition(e, Site.STEP, out));
            s.common().require().ifPresent(e -> condition(e, Site.STEP, out));
            switch (s) {
                case Step.Action a -> {
                    strings(a.with(), Site.STEP, out);
                    if (a.undo().orElse(null) instanceof Step.UndoCall u) {
                        strings(u.with(), Site.UNDO, out);
                    }
                }
                case Step.Decision d -> {
                    if (d.prompt() != null) {
                        strings(JsonNodeFactory.instance.textNode(d.prompt()), d.pointer() + "/decision/prompt",
                                Site.DECISION, out);
                    }
                    d.commitWhen().ifPresent(e -> condition(e, Site.DECISION, out));
                }
                case Step.Parallel p -> { }
            }
        }
        return out;
    }

    private static void condition(Expr e, Site site, List<Found> out) {
        out.add(new Found(e.text(), e.pointer(), -1, site));
    }

    private static void strings(Param p, Site site, List<Found> out) {
        strings(p.value(), p.pointer(), site, out);
    }

    private static void strings(JsonNode node, String pointer, Site site, List<Found> out) {
        if (node.isTextual()) {
            Interpolation.Parsed parsed = Interpolation.parse(node.asText());
            for (Interpolation.Part part : parsed.parts()) {
                if (part instanceof Interpolation.Code c) {
                    out.add(new Found(c.expression(), pointer, c.offset(), site));
                }
            }
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                var e = fields.next();
                strings(e.getValue(), Document.child(pointer, e.getKey()), site, out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                strings(node.get(i), Document.child(pointer, i), site, out);
            }
        }
    }

    /**
     * The place of a position inside an expression: found by looking for the expression's text from
     * the value's start, since quoting and folding shift columns.
     */
    SourceSpan locate(Found f, int line, int column) {
        SourceSpan start = doc().at(f.pointer());
        String text = doc().text();
        int from = offsetOf(text, start);
        String firstLine = f.expression().lines().findFirst().orElse("");
        int at = text.indexOf(firstLine, from);
        if (at < 0) {
            return start;
        }
        int[] lc = lineColumn(text, at);
        return line <= 1 ? new SourceSpan(start.file(), lc[0], lc[1] + column - 1)
                : new SourceSpan(start.file(), lc[0] + line - 1, column);
    }

    private static int offsetOf(String text, SourceSpan span) {
        int line = 1;
        int i = 0;
        while (line < span.line() && i < text.length()) {
            if (text.charAt(i++) == '\n') {
                line++;
            }
        }
        return Math.min(text.length(), i + span.column() - 1);
    }

    private static int[] lineColumn(String text, int offset) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new int[] {line, col};
    }
}
