package dev.runbook.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.expr.Interpolation;
import dev.runbook.model.Suggest;
import dev.runbook.model.Document;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.Step;
import dev.runbook.primitive.PrimitiveSpec;
import java.util.Iterator;
import java.util.Optional;

/** Every primitive and probe named exists, and its parameters fit what it declares. */
final class PrimitivesFit implements Rule {

    @Override
    public String id() {
        return "primitive";
    }

    @Override
    public String summary() {
        return "Named primitives and probes exist; parameters are known, present when required, of the right type.";
    }

    @Override
    public void check(Context ctx) {
        for (Runbook.Precheck p : ctx.runbook.prechecks()) {
            find(ctx, p.probe(), p.pointer() + "/probe").ifPresent(spec -> {
                if (!spec.probe()) {
                    ctx.error(p.pointer() + "/probe", "'" + p.probe() + "' is not a probe; a precheck must not "
                            + "change anything. Probes: " + String.join(", ", probes(ctx)));
                }
                params(ctx, spec, p.with(), p.pointer());
            });
        }
        for (Step s : ctx.runbook.allSteps()) {
            if (s instanceof Step.Action a) {
                find(ctx, a.uses(), a.pointer() + "/uses").ifPresent(spec -> params(ctx, spec, a.with(), a.pointer()));
                if (a.undo().orElse(null) instanceof Step.UndoCall u) {
                    find(ctx, u.uses(), u.pointer() + "/uses").ifPresent(spec -> {
                        if (!spec.mutates()) {
                            ctx.error(u.pointer() + "/uses", "undo '" + u.uses() + "' changes nothing, so it "
                                    + "cannot compensate step '" + a.id() + "'");
                        }
                        params(ctx, spec, u.with(), u.pointer());
                    });
                }
            }
        }
    }

    private static Optional<PrimitiveSpec> find(Context ctx, String name, String pointer) {
        Optional<PrimitiveSpec> spec = ctx.catalog.find(name);
        if (spec.isEmpty()) {
            ctx.error(pointer, "unknown primitive '" + name + "'" + Suggest.closest(name, ctx.catalog.names())
                    .map(s -> "; did you mean '" + s + "'?").orElse("; see `runbook primitives` for the list"));
        }
        return spec;
    }

    private static java.util.List<String> probes(Context ctx) {
        return ctx.catalog.all().stream().filter(PrimitiveSpec::probe).map(PrimitiveSpec::name).sorted().toList();
    }

    /**
     * Undo parameters the author leaves out are taken from the step's own {@code with} at run time,
     * so for an undo only unknown keys and literal types are checked, not missing ones.
     */
    private static void params(Context ctx, PrimitiveSpec spec, Param with, String owner) {
        JsonNode node = with.value();
        boolean isUndo = with.pointer().endsWith("/undo/with");
        Iterator<String> keys = node.fieldNames();
        while (keys.hasNext()) {
            String key = keys.next();
            String at = Document.child(with.pointer(), key);
            Optional<PrimitiveSpec.ParamSpec> param = spec.param(key);
            if (param.isEmpty()) {
                var names = spec.params().stream().map(PrimitiveSpec.ParamSpec::name).toList();
                ctx.errorAtKey(at, "'" + spec.name() + "' has no parameter '" + key + "'" + Suggest.closest(key, names)
                        .map(s -> "; did you mean '" + s + "'?").orElse("; it takes: " + String.join(", ", names)));
                continue;
            }
            typeOf(node.get(key), param.get().type()).ifPresent(msg -> ctx.error(at, "parameter '" + key + "' of '"
                    + spec.name() + "' " + msg));
        }
        if (isUndo) {
            return;
        }
        for (PrimitiveSpec.ParamSpec p : spec.params()) {
            if (p.required() && !node.has(p.name())) {
                ctx.error(ctx.doc().root().at(with.pointer()).isMissingNode() ? owner : with.pointer(),
                        "'" + spec.name() + "' needs parameter '" + p.name() + "' (" + p.description() + ")");
            }
        }
    }

    /** A message when a literal value cannot be of the type; expressions are checked when planning. */
    static Optional<String> typeOf(JsonNode v, PrimitiveSpec.Type type) {
        if (v.isTextual() && Interpolation.parse(v.asText()).hasCode()) {
            return Optional.empty();
        }
        return ParamTypes.mismatch(v, type).map(m -> m + ", not " + v);
    }
}
