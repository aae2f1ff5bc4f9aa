package dev.runbook.expr;

import java.util.List;
import java.util.Set;

/** The names an expression may use, and which of them are only known when the run executes. */
public final class Scope {

    /** Known when planning: inputs and inventory. */
    public static final List<String> STATIC = List.of("inputs", "vm", "site", "sourceSite", "networks", "runbook");

    /** Known only while running: the run, earlier steps' results, the result under evaluation. */
    public static final List<String> DYNAMIC = List.of("run", "steps", "result");

    /** Every root, in the order the compiled function takes them. */
    public static final List<String> ALL = List.of("inputs", "vm", "site", "sourceSite", "networks", "runbook",
            "run", "steps", "result");

    /** Deterministic globals an expression may use. */
    static final Set<String> GLOBALS = Set.of("Math", "JSON", "Number", "String", "Boolean", "Array", "Object",
            "parseInt", "parseFloat", "isNaN", "isFinite", "NaN", "Infinity", "undefined", "encodeURIComponent");

    private Scope() {
    }
}
