package dev.runbook.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Splits a string into literal text and {@code ${{ ... }}} expressions. A string that is exactly one
 * expression keeps the expression's type (list, number, ...); otherwise the parts are joined as text.
 */
public final class Interpolation {

    public static final String OPEN = "${{";
    public static final String CLOSE = "}}";

    /** A piece of a string: literal text, or an expression with its offset in the string. */
    public sealed interface Part {
    }

    public record Literal(String text) implements Part {
    }

    public record Code(String expression, int offset) implements Part {
    }

    /** The parts, or an error message with the offset of the unterminated expression. */
    public record Parsed(List<Part> parts, Optional<String> error, int errorOffset) {

        public boolean hasCode() {
            return parts.stream().anyMatch(p -> p instanceof Code);
        }

        /** The expression when the whole string is exactly one, else empty. */
        public Optional<Code> single() {
            return parts.size() == 1 && parts.get(0) instanceof Code c ? Optional.of(c) : Optional.empty();
        }
    }

    private Interpolation() {
    }

    /** Evaluates one expression. */
    @FunctionalInterface
    public interface Evaluator {
        com.fasterxml.jackson.databind.JsonNode evaluate(String expression) throws Expressions.EvaluationException;
    }

    /**
     * Evaluates every expression in the text. A text that is exactly one expression keeps the value's
     * type; otherwise the values are joined into the text (strings as they are, the rest as JSON).
     */
    public static com.fasterxml.jackson.databind.JsonNode render(String text, Evaluator evaluator)
            throws Expressions.EvaluationException {
        Parsed parsed = parse(text);
        if (parsed.error().isPresent()) {
            throw new Expressions.EvaluationException(parsed.error().get());
        }
        if (parsed.single().isPresent()) {
            return evaluator.evaluate(parsed.single().get().expression());
        }
        StringBuilder out = new StringBuilder();
        for (Part part : parsed.parts()) {
            switch (part) {
                case Literal l -> out.append(l.text());
                case Code c -> {
                    var v = evaluator.evaluate(c.expression());
                    out.append(v.isTextual() ? v.asText() : v.toString());
                }
            }
        }
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(out.toString());
    }

    public static Parsed parse(String s) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf(OPEN, i);
            if (open < 0) {
                parts.add(new Literal(s.substring(i)));
                break;
            }
            if (open > i) {
                parts.add(new Literal(s.substring(i, open)));
            }
            int close = s.indexOf(CLOSE, open + OPEN.length());
            if (close < 0) {
                return new Parsed(List.copyOf(parts), Optional.of("'${{' is not closed by '}}'"), open);
            }
            String raw = s.substring(open + OPEN.length(), close);
            int lead = raw.length() - raw.stripLeading().length();
            String expression = raw.strip();
            if (expression.isEmpty()) {
                return new Parsed(List.copyOf(parts), Optional.of("'${{ }}' holds no expression"), open);
            }
            parts.add(new Code(expression, open + OPEN.length() + lead));
            i = close + CLOSE.length();
        }
        return new Parsed(List.copyOf(parts), Optional.empty(), -1);
    }
}
