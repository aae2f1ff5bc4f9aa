package dev.runbook.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveSpec;
import java.util.Optional;

/** Whether a value can be passed as a primitive parameter of a declared type. */
public final class ParamTypes {

    private ParamTypes() {
    }

    private static boolean isDuration(String text) {
        try {
            dev.runbook.model.Durations.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A phrase saying what the value must be, when it does not fit; empty when it fits. */
    public static Optional<String> mismatch(JsonNode v, PrimitiveSpec.Type type) {
        boolean ok = switch (type) {
            case STRING -> v.isTextual();
            case INTEGER -> v.isIntegralNumber();
            case BOOLEAN -> v.isBoolean();
            case DURATION -> v.isTextual() && isDuration(v.asText());
            case LIST -> v.isArray();
            case OBJECT -> v.isObject();
        };
        return ok ? Optional.empty() : Optional.of("must be " + (type == PrimitiveSpec.Type.DURATION
                ? "a duration such as 30s or 5m" : "of type " + type.id()));
    }
}
