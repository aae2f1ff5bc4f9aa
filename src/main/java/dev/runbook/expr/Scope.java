package dev.runbook.expr;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** The names an expression may use, and which of them are only known when the run executes. */
public final class Scope {

    /** Known when planning: inputs and inventory. */
    public static final List<String> STATIC = List.of("inputs", "vm", "protectedSite", "recoverySite", "networks",
            "runbook");

    /** Known only while running: the run, earlier steps' results, the result under evaluation. */
    public static final List<String> DYNAMIC = List.of("run", "steps", "result");

    /**
     * Earlier spellings, each still bound to the value of the name to write now: {@code site} is the
     * recovery site, {@code sourceSite} the protected site. The checker warns where they are read.
     */
    public static final Map<String, String> DEPRECATED = Map.of("site", "recoverySite", "sourceSite", "protectedSite");

    /** The names to write: the static and the dynamic ones. */
    public static final List<String> CURRENT = Stream.concat(STATIC.stream(), DYNAMIC.stream()).toList();

    /** Every root, in the order the compiled function takes them. */
    public static final List<String> ALL = Stream.concat(CURRENT.stream(), Stream.of("site", "sourceSite")).toList();

    /** Deterministic globals an expression may use. */
    static final Set<String> GLOBALS = Set.of("Math", "JSON", "Number", "String", "Boolean", "Array", "Object",
            "parseInt", "parseFloat", "isNaN", "isFinite", "NaN", "Infinity", "undefined", "encodeURIComponent");

    private Scope() {
    }

    /** The name whose value a root has: itself, or for a deprecated name the one it spells. */
    public static String bound(String name) {
        return DEPRECATED.getOrDefault(name, name);
    }
}
