package dev.runbook.model;

import java.util.List;
import java.util.Map;

/** A validated-shape runbook. Positions resolve through {@link #document()} by JSON pointer. */
public record Runbook(Document document, Metadata metadata, Operation operation, Map<String, Input> inputs,
                      List<Param> locks, List<Precheck> prechecks, List<Step> steps, List<Step> finallySteps) {

    public record Metadata(String name, String version, String description) {
    }

    /** A typed input with an optional default and allowed values. */
    public record Input(String name, String type, boolean required, Object defaultValue, List<Object> allowed,
                        String description, String pointer) {
    }

    /** A guard evaluated before any mutation. */
    public record Precheck(String id, String probe, Param with, Expr require, Param fix, Severity severity,
                           String description, String pointer) {

        public enum Severity {
            BLOCKING, WARNING;

            public String id() {
                return name().toLowerCase();
            }
        }
    }

    /** Every step, groups' branches included, in document order. */
    public List<Step> allSteps() {
        var all = new java.util.ArrayList<Step>();
        collect(steps, all);
        collect(finallySteps, all);
        return all;
    }

    private static void collect(List<Step> steps, List<Step> into) {
        for (Step s : steps) {
            into.add(s);
            if (s instanceof Step.Parallel p) {
                collect(p.steps(), into);
            }
        }
    }
}
