package dev.runbook.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveSpec;
import java.util.Optional;

/** Whether a value can be passed as a primitive parameter of a declared type. */
public final class ParamTypes {

    private ParamTypes() {
    }

    /** A phrase saying what the value must be, when it does not fit; empty when it fits. */
    public static Optional<String> mismatch(JsonNode v, PrimitiveSpec.Type type) {
        boolean ok = switch (type) {
            case STRING -> v.isTextual();
            case INTEGER -> v.isIntegralNumber();
            case BOOLEAN -> v.isBoolean();
            case DURATION -> v.isTextual() && v.asText().matches("([0-9]{1,6}(ms|s|m|h))+");
            case LIST -> v.isArray();
            case OBJECT -> v.isObject();
        };
        return ok ? Optional.empty() : Optional.of("must be " + (type == PrimitiveSpec.Type.DURATION
                ? "a duration such as 30s or 5m" : "of type " + type.id()));
    }
}
