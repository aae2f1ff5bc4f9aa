package dev.runbook.primitive;

import java.util.List;
import java.util.Optional;

/**
 * What a primitive declares about itself: its parameters, whether it changes anything, how it is
 * compensated by default, and how a dry run describes it.
 *
 * @param name        the name runbooks use in {@code uses:} or {@code probe:}
 * @param probe       true for a read-only check usable as a precheck probe
 * @param mutates     true when calling it changes the site
 * @param idempotent  true when calling it twice has the effect of calling it once
 * @param params      the parameters it accepts
 * @param undo        the primitive that compensates it by default, if any
 * @param summary     a dry-run description; {@code {param}} is replaced by the resolved value
 * @param heavy       true when a call loads its host heavily (a disk rewritten through an appliance): a recovery
 *                    plan may bound how many run at once on one site
 */
public record PrimitiveSpec(String name, boolean probe, boolean mutates, boolean idempotent, List<ParamSpec> params,
                            Optional<String> undo, String summary, boolean heavy) {

    /**
     * An action a runbook step {@code uses:}. A mutation counts as unsafe to repeat: resume asks the site
     * whether it took effect.
     */
    public static PrimitiveSpec action(String name, boolean mutates, String undo, String summary, ParamSpec... params) {
        return new PrimitiveSpec(name, false, mutates, !mutates, List.of(params), Optional.ofNullable(undo), summary,
                false);
    }

    /** This spec, declared heavy. */
    public PrimitiveSpec asHeavy() {
        return new PrimitiveSpec(name, probe, mutates, idempotent, params, undo, summary, true);
    }

    /** A read-only check a precheck names in {@code probe:}. */
    public static PrimitiveSpec probe(String name, String summary, ParamSpec... params) {
        return new PrimitiveSpec(name, true, false, true, List.of(params), Optional.empty(), summary, false);
    }

    public Optional<ParamSpec> param(String name) {
        return params.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** One declared parameter. */
    public record ParamSpec(String name, Type type, boolean required, String description) {

        public static ParamSpec required(String name, Type type, String description) {
            return new ParamSpec(name, type, true, description);
        }

        public static ParamSpec optional(String name, Type type, String description) {
            return new ParamSpec(name, type, false, description);
        }
    }

    /** The JSON type a parameter takes. */
    public enum Type {
        STRING, INTEGER, BOOLEAN, DURATION, LIST, OBJECT;

        public String id() {
            return name().toLowerCase();
        }
    }
}
