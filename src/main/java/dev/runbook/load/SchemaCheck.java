package dev.runbook.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Document;
import dev.runbook.model.Suggest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a document against a JSON Schema from {@code schemas/} and turns each finding into a located
 * diagnostic with a rule id and a message that says what to do.
 */
public final class SchemaCheck {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String name;
    private final JsonNode schemaJson;
    private final JsonSchema schema;

    private SchemaCheck(String name, JsonNode schemaJson) {
        this.name = name;
        this.schemaJson = schemaJson;
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .pathType(PathType.JSON_POINTER)
                .formatAssertionsEnabled(true)
                .build();
        this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schemaJson, config);
    }

    /** Loads {@code schemas/<name>.schema.json} from the class path. */
    public static SchemaCheck named(String name) {
        String resource = "/schemas/" + name + ".schema.json";
        try (InputStream in = SchemaCheck.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema " + resource + " is missing from the class path");
            }
            return new SchemaCheck(name, MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public JsonNode schemaJson() {
        return schemaJson;
    }

    public List<Diagnostic> check(Document doc) {
        Set<ValidationMessage> messages = schema.validate(doc.root());
        List<ValidationMessage> sorted = new ArrayList<>(messages);
        sorted.sort(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                .thenComparing(ValidationMessage::getType));
        // Findings inside a oneOf branch at the oneOf's own place only say why that branch did not
        // match; the oneOf finding says it better.
        Set<String> oneOfAt = new java.util.HashSet<>();
        sorted.stream().filter(m -> m.getType().equals("oneOf"))
                .forEach(m -> oneOfAt.add(m.getInstanceLocation().toString()));
        sorted.removeIf(m -> !m.getType().equals("oneOf") && m.getEvaluationPath().toString().contains("/oneOf/")
                && oneOfAt.contains(m.getInstanceLocation().toString()));
        Set<Diagnostic> out = new LinkedHashSet<>();
        for (ValidationMessage m : sorted) {
            Diagnostic d = diagnose(doc, m, sorted);
            if (d != null) {
                out.add(d);
            }
        }
        return List.copyOf(out);
    }

    private Diagnostic diagnose(Document doc, ValidationMessage m, List<ValidationMessage> all) {
        String at = m.getInstanceLocation().toString();
        String where = describe(at);
        JsonNode value = m.getInstanceNode();
        return switch (m.getType()) {
            case "additionalProperties" -> {
                String key = m.getProperty();
                String pointer = Document.child(at, key);
                Set<String> allowed = allowedKeys(m);
                String hint = Suggest.closest(key, allowed)
                        .map(s -> "did you mean '" + s + "'?")
                        .orElse("allowed keys: " + String.join(", ", allowed));
                yield Diagnostic.error(doc.keyAt(pointer), "unknown-key",
                        "unknown key '" + key + "' in " + where + "; " + hint);
            }
            case "required" -> Diagnostic.error(doc.keyAt(at), "missing-key",
                    where + " needs key '" + m.getProperty() + "'; add it");
            // The whole document is not quoted: a file that is not YAML of ours may be anything (a key, a
            // password file), and the message must not carry it further.
            case "type" -> Diagnostic.error(doc.at(at), "wrong-type", at.isEmpty()
                    ? where + " is " + kind(value) + " but must be " + expectedType(m) + ": this is not a runbook or inventory"
                    : where + " is " + kind(value) + " " + quote(value) + " but must be " + expectedType(m));
            case "const" -> Diagnostic.error(doc.at(at), "bad-value",
                    where + " is " + quote(value) + " but must be " + m.getSchemaNode());
            case "enum" -> {
                List<String> options = new ArrayList<>();
                m.getSchemaNode().forEach(n -> options.add(n.asText()));
                String hint = value.isTextual() ? Suggest.closest(value.asText(), options)
                        .map(s -> "; did you mean '" + s + "'?").orElse("") : "";
                yield Diagnostic.error(doc.at(at), "bad-value",
                        where + " is " + quote(value) + " but must be one of " + String.join(", ", options) + hint);
            }
            case "pattern" -> Diagnostic.error(doc.at(at), "bad-format",
                    where + " " + quote(value) + " is not a valid " + title(m) + " (pattern " + m.getSchemaNode().asText() + ")");
            case "propertyNames" -> null; // reported through the nested pattern finding
            case "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "minProperties",
                 "uniqueItems" -> Diagnostic.error(doc.at(at), "out-of-range",
                    where + " " + quote(value) + ": " + tail(m.getMessage()));
            case "oneOf" -> oneOf(doc, m, at, where, value, all);
            default -> Diagnostic.error(doc.at(at), "schema", where + ": " + tail(m.getMessage()));
        };
    }

    private Diagnostic oneOf(Document doc, ValidationMessage m, String at, String where, JsonNode value,
                             List<ValidationMessage> all) {
        List<String> choices = new ArrayList<>();
        for (JsonNode alt : m.getSchemaNode()) {
            if (alt.has("required")) {
                choices.add(alt.get("required").get(0).asText());
            }
        }
        if (!choices.isEmpty() && value.isObject()) {
            List<String> present = choices.stream().filter(value::has).toList();
            String what = present.isEmpty() ? "none of them" : "both " + String.join(" and ", present);
            return Diagnostic.error(doc.at(at), "shape", where + " must have exactly one of "
                    + String.join(", ", choices) + ", but has " + what + deprecatedOf(m, present));
        }
        // A oneOf over other shapes (dhcp or a static configuration): report the nested findings if any.
        boolean nested = all.stream().anyMatch(o -> o != m && o.getInstanceLocation().toString().startsWith(at + "/"));
        if (nested) {
            return null;
        }
        return Diagnostic.error(doc.at(at), "wrong-type", where + " is " + quote(value) + " but must be "
                + alternatives(m.getSchemaNode()));
    }

    /** For two keys present where one is the other's deprecated spelling: which one to remove. */
    private String deprecatedOf(ValidationMessage m, List<String> present) {
        String loc = m.getSchemaLocation().getFragment().toString();
        JsonNode parent = resolve("#" + loc.substring(0, loc.lastIndexOf('/')));
        if (present.size() != 2 || parent == null) {
            return "";
        }
        for (int i = 0; i < 2; i++) {
            if (parent.path("properties").path(present.get(i)).path("deprecated").asBoolean(false)) {
                return "; '" + present.get(i) + "' is the deprecated spelling of '" + present.get(1 - i)
                        + "': remove it";
            }
        }
        return "";
    }

    private String alternatives(JsonNode oneOf) {
        List<String> out = new ArrayList<>();
        for (JsonNode alt : oneOf) {
            if (alt.has("const")) {
                out.add("'" + alt.get("const").asText() + "'");
            } else if (alt.has("$ref")) {
                JsonNode target = resolve(alt.get("$ref").asText());
                out.add(target != null && target.has("title") ? "a " + target.get("title").asText().toLowerCase() + " mapping" : "a mapping");
            }
        }
        return String.join(" or ", out);
    }

    private Set<String> allowedKeys(ValidationMessage m) {
        String loc = m.getSchemaLocation().getFragment().toString();
        String parent = loc.substring(0, loc.lastIndexOf('/'));
        JsonNode schemaNode = resolve("#" + parent);
        Set<String> keys = new TreeSet<>();
        if (schemaNode != null && schemaNode.has("properties")) {
            schemaNode.get("properties").fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }

    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        JsonNode node = schemaJson.at(ref.substring(1));
        return node.isMissingNode() ? null : node;
    }

    private String title(ValidationMessage m) {
        String loc = m.getSchemaLocation().getFragment().toString();
        JsonNode schemaNode = resolve("#" + loc.substring(0, loc.lastIndexOf('/')));
        if (schemaNode != null && schemaNode.has("title")) {
            return schemaNode.get("title").asText().toLowerCase();
        }
        return "value";
    }

    private static String expectedType(ValidationMessage m) {
        JsonNode t = m.getSchemaNode();
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            t.forEach(n -> names.add(article(n.asText())));
            return String.join(" or ", names);
        }
        return article(t.asText());
    }

    private static String article(String type) {
        return switch (type) {
            case "object" -> "a mapping";
            case "array" -> "a list";
            case "integer" -> "an integer";
            default -> "a " + type;
        };
    }

    private static String kind(JsonNode value) {
        if (value == null || value.isNull()) {
            return "empty";
        }
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isTextual()) {
            return "a string";
        }
        if (value.isBoolean()) {
            return "a boolean";
        }
        return "a number";
    }

    private static String quote(JsonNode value) {
        if (value == null || value.isNull()) {
            return "(null)";
        }
        if (value.isContainerNode()) {
            return "";
        }
        String text = value.asText();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return "'" + text + "'";
    }

    /** {@code steps[2].with} from {@code /spec/steps/2/with}, the way a YAML author sees it. */
    static String describe(String pointer) {
        if (pointer.isEmpty()) {
            return "the document";
        }
        StringBuilder out = new StringBuilder();
        Iterator<String> parts = List.of(pointer.substring(1).split("/")).iterator();
        while (parts.hasNext()) {
            String p = parts.next().replace("~1", "/").replace("~0", "~");
            if (p.chars().allMatch(Character::isDigit) && !p.isEmpty()) {
                out.append('[').append(p).append(']');
            } else {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(p);
            }
        }
        String s = out.toString();
        return s.startsWith("spec.") ? s.substring(5) : s;
    }

    private static String tail(String message) {
        int colon = message.indexOf(": ");
        return colon >= 0 ? message.substring(colon + 2) : message;
    }
}
