package dev.runbook.expr;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The most common expression, a plain path such as {@code inputs.vm} or {@code recoverySite.uri}, read straight
 * from the roots' JSON without entering the sandbox: a plan of a thousand VMs evaluates tens of thousands of
 * them. Only where the answer is certainly the sandbox's own: every name on the path is an own property of a JSON
 * object and the value reached is a string or a boolean. Anything else (a missing property, an array, a number,
 * an object) is left to the sandbox, which then answers or fails exactly as it always has.
 */
final class PlainPath {

    private static final Pattern PATH = Pattern.compile("\\s*[A-Za-z_$][A-Za-z0-9_$]*(\\s*\\.\\s*[A-Za-z_$][A-Za-z0-9_$]*)*\\s*");
    private static final String[] NOT_A_PATH = new String[0];
    private static final Map<String, String[]> PARSED = new ConcurrentHashMap<>();

    private PlainPath() {
    }

    /** The value, or null when the sandbox must say. */
    static JsonNode read(String expression, Map<String, JsonNode> roots) {
        String[] names = PARSED.computeIfAbsent(expression, PlainPath::parse);
        if (names.length == 0) {
            return null;
        }
        JsonNode at = roots.get(Scope.bound(names[0]));
        for (int i = 1; i < names.length && at != null; i++) {
            at = at.isObject() ? at.get(names[i]) : null;
        }
        return at != null && (at.isTextual() || at.isBoolean()) ? at : null;
    }

    private static String[] parse(String expression) {
        if (expression.length() > 200 || !PATH.matcher(expression).matches()) {
            return NOT_A_PATH;
        }
        String[] names = expression.strip().split("\\s*\\.\\s*");
        return Scope.ALL.contains(names[0]) && names.length > 1 ? names : NOT_A_PATH;
    }
}
