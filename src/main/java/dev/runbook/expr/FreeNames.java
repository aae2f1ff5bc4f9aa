package dev.runbook.expr;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The root names an expression reads: identifiers that are not property names, object keys, arrow
 * function parameters, keywords or allowed globals. A lexical scan, enough to catch {@code inptus.vm}
 * at validation time without evaluating anything.
 */
final class FreeNames {

    private static final Set<String> KEYWORDS = Set.of("true", "false", "null", "typeof", "instanceof", "in", "of",
            "new", "this", "void", "delete", "let", "const", "var", "function", "return", "if", "else");
    private static final Pattern ARROW_PARAMS = Pattern.compile("\\(([^()]*)\\)\\s*=>|([A-Za-z_$][\\w$]*)\\s*=>");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_$][\\w$]*");

    private FreeNames() {
    }

    /** Expressions repeat (every VM of a plan reads the same ones): each is read once. */
    private static final Map<String, Map<String, Integer>> READ = new java.util.concurrent.ConcurrentHashMap<>();

    static Set<String> of(String expression) {
        return new LinkedHashSet<>(firstReads(expression).keySet());
    }

    /** The free names, each with the offset of its first occurrence; the same map for the same text. */
    static Map<String, Integer> firstReads(String expression) {
        if (expression.length() > 4096) {
            return read(expression);
        }
        if (READ.size() > 10_000) {
            READ.clear(); // not runbook text any more but generated input: keep the memory bounded
        }
        return READ.computeIfAbsent(expression, FreeNames::read);
    }

    private static Map<String, Integer> read(String expression) {
        String code = blankStrings(expression);
        Set<String> params = new LinkedHashSet<>();
        Matcher arrows = ARROW_PARAMS.matcher(code);
        while (arrows.find()) {
            String list = arrows.group(1) != null ? arrows.group(1) : arrows.group(2);
            Matcher m = IDENT.matcher(list);
            while (m.find()) {
                params.add(m.group());
            }
        }
        Map<String, Integer> free = new LinkedHashMap<>();
        Matcher m = IDENT.matcher(code);
        while (m.find()) {
            String name = m.group();
            if (m.start() > 0 && Character.isDigit(code.charAt(m.start() - 1))) {
                continue; // 10ms, 1e5
            }
            if (isProperty(code, m.start()) || isObjectKey(code, m.end()) || KEYWORDS.contains(name)
                    || Scope.GLOBALS.contains(name) || params.contains(name)) {
                continue;
            }
            free.putIfAbsent(name, m.start());
        }
        return java.util.Collections.unmodifiableMap(free);
    }

    private static boolean isProperty(String code, int start) {
        int i = start - 1;
        while (i >= 0 && Character.isWhitespace(code.charAt(i))) {
            i--;
        }
        // `...name` spreads a name; it does not read a property
        return i >= 0 && code.charAt(i) == '.' && !(i >= 2 && code.startsWith("...", i - 2));
    }

    private static boolean isObjectKey(String code, int end) {
        int i = end;
        while (i < code.length() && Character.isWhitespace(code.charAt(i))) {
            i++;
        }
        if (i >= code.length() || code.charAt(i) != ':') {
            return false;
        }
        // `a ? b : c` is a conditional, not an object key: look back for a '?' at this nesting level.
        int depth = 0;
        for (int j = end - 1; j >= 0; j--) {
            char c = code.charAt(j);
            if (c == ')' || c == ']' || c == '}') {
                depth++;
            } else if (c == '(' || c == '[' || c == '{') {
                if (depth == 0) {
                    return c == '{';
                }
                depth--;
            } else if (c == '?' && depth == 0) {
                return false;
            }
        }
        return false;
    }

    /**
     * Replaces the contents of string literals with spaces so that their words are not names. The code
     * inside a template literal's {@code ${...}} is kept: it is read like any other code.
     */
    static String blankStrings(String s) {
        StringBuilder out = new StringBuilder(s);
        // One entry per open template substitution: the brace depth inside it.
        java.util.ArrayDeque<int[]> substitutions = new java.util.ArrayDeque<>();
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    out.setCharAt(i, ' ');
                    if (i + 1 < s.length()) {
                        out.setCharAt(++i, ' ');
                    }
                } else if (c == quote) {
                    quote = 0;
                } else if (quote == '`' && c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                    substitutions.push(new int[] {0});
                    quote = 0;
                    out.setCharAt(i, ' ');
                    out.setCharAt(++i, ' '); // the code from here on is kept
                } else {
                    out.setCharAt(i, ' ');
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (!substitutions.isEmpty() && c == '{') {
                substitutions.peek()[0]++;
            } else if (!substitutions.isEmpty() && c == '}') {
                if (substitutions.peek()[0] == 0) {
                    substitutions.pop();
                    quote = '`'; // back inside the template literal
                } else {
                    substitutions.peek()[0]--;
                }
            }
        }
        return out.toString();
    }
}
