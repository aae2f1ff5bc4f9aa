package dev.runbook.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Runbook;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Binds {@code --vm} and {@code --set key=value} to the runbook's declared, typed inputs. */
final class Inputs {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Inputs() {
    }

    static Map<String, JsonNode> bind(Runbook runbook, Planner.Request request, List<Diagnostic> out) {
        var doc = runbook.document();
        Map<String, String> given = new LinkedHashMap<>(request.sets());
        if (runbook.inputs().containsKey("vm")) {
            String set = given.putIfAbsent("vm", request.vm());
            if (set != null && !set.equals(request.vm())) {
                out.add(Diagnostic.error(doc.at("/spec/inputs/vm"), "input", "--set vm=" + set
                        + " contradicts --vm " + request.vm() + "; give the VM once"));
            }
        }
        Map<String, JsonNode> bound = new LinkedHashMap<>();
        for (String key : given.keySet()) {
            if (!runbook.inputs().containsKey(key)) {
                out.add(Diagnostic.error(doc.keyAt("/spec/inputs"), "input", "runbook has no input '" + key + "'; inputs: "
                        + String.join(", ", runbook.inputs().keySet())));
            }
        }
        for (Runbook.Input in : runbook.inputs().values()) {
            String text = given.get(in.name());
            JsonNode value;
            if (text != null) {
                value = convert(text, in, out, runbook);
            } else if (in.defaultValue() != null) {
                value = plain(in.defaultValue());
            } else if (in.required()) {
                out.add(Diagnostic.error(doc.at(in.pointer()), "input", "input '" + in.name()
                        + "' is required; pass it with --set " + in.name() + "=<" + in.type() + ">"));
                continue;
            } else {
                value = JSON.nullNode();
            }
            if (value == null) {
                continue;
            }
            if (!in.allowed().isEmpty() && !in.allowed().contains(plainValue(value))) {
                out.add(Diagnostic.error(doc.at(in.pointer()), "input", "input '" + in.name() + "' is " + value
                        + " but must be one of " + in.allowed()));
            }
            bound.put(in.name(), value);
        }
        return bound;
    }

    private static JsonNode convert(String text, Runbook.Input in, List<Diagnostic> out, Runbook runbook) {
        try {
            return switch (in.type()) {
                case "integer" -> JSON.numberNode(Long.parseLong(text.trim()));
                case "number" -> JSON.numberNode(Double.parseDouble(text.trim()));
                case "boolean" -> {
                    if (!text.equals("true") && !text.equals("false")) {
                        throw new NumberFormatException();
                    }
                    yield JSON.booleanNode(Boolean.parseBoolean(text));
                }
                default -> JSON.textNode(text);
            };
        } catch (NumberFormatException e) {
            out.add(Diagnostic.error(runbook.document().at(in.pointer()), "input", "input '" + in.name() + "' is '"
                    + text + "' but must be a " + in.type()));
            return null;
        }
    }

    private static JsonNode plain(Object v) {
        return switch (v) {
            case Long l -> JSON.numberNode(l);
            case Double d -> JSON.numberNode(d);
            case Boolean b -> JSON.booleanNode(b);
            default -> JSON.textNode(String.valueOf(v));
        };
    }

    private static Object plainValue(JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isIntegralNumber()) {
            return v.longValue();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        return v.asText();
    }
}
