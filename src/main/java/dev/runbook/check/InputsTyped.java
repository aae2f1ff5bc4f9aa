package dev.runbook.check;

import dev.runbook.model.Runbook.Input;

/** Input defaults and allowed values fit the input's type. */
final class InputsTyped implements Rule {

    @Override
    public String id() {
        return "input";
    }

    @Override
    public String summary() {
        return "Input defaults and allowed values have the input's type; a default is among the allowed values.";
    }

    @Override
    public void check(Context ctx) {
        for (Input in : ctx.runbook.inputs().values()) {
            if (in.defaultValue() != null && !fits(in.defaultValue(), in.type())) {
                ctx.error(in.pointer() + "/default", "default " + in.defaultValue() + " of input '" + in.name()
                        + "' is not a " + in.type());
            }
            for (int i = 0; i < in.allowed().size(); i++) {
                if (!fits(in.allowed().get(i), in.type())) {
                    ctx.error(in.pointer() + "/enum/" + i, "allowed value " + in.allowed().get(i) + " of input '"
                            + in.name() + "' is not a " + in.type());
                }
            }
            if (in.defaultValue() != null && !in.allowed().isEmpty() && !in.allowed().contains(in.defaultValue())) {
                ctx.error(in.pointer() + "/default", "default " + in.defaultValue() + " of input '" + in.name()
                        + "' is not one of " + in.allowed());
            }
            if (in.required() && in.defaultValue() != null) {
                ctx.warning(in.pointer() + "/required", "input '" + in.name() + "' is required but has a default;"
                        + " drop one of them");
            }
        }
    }

    static boolean fits(Object value, String type) {
        return switch (type) {
            case "string" -> value instanceof String;
            case "integer" -> value instanceof Long;
            case "number" -> value instanceof Long || value instanceof Double;
            case "boolean" -> value instanceof Boolean;
            default -> false;
        };
    }
}
