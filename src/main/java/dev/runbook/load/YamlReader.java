package dev.runbook.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Document;
import dev.runbook.model.SourceSpan;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.MappingStartEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.resolver.CoreScalarResolver;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads one YAML document into a JSON tree, remembering where every key and value came from. Built
 * from parser events, not from a composed node graph, so that duplicate keys are all reported, and
 * nesting, aliases and size are bounded before they can cost memory or stack.
 */
public final class YamlReader {

    public static final int MAX_CHARS = 1 << 20;
    public static final int MAX_DEPTH = 40;
    public static final int MAX_ALIASES = 20;
    public static final int MAX_NODES = 100_000;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final CoreScalarResolver RESOLVER = new CoreScalarResolver(true);

    private final String file;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final Map<String, SourceSpan> valueSpans = new HashMap<>();
    private final Map<String, SourceSpan> keySpans = new HashMap<>();
    private final Map<String, JsonNode> anchors = new HashMap<>();
    private int aliases;
    private int nodes;

    private YamlReader(String file) {
        this.file = file;
    }

    /** What reading gave: a document when there were no errors, and every diagnostic. */
    public record Read(Optional<Document> document, List<Diagnostic> diagnostics) {
    }

    public static Read read(String file, String text) {
        return new YamlReader(file).run(text);
    }

    private Read run(String text) {
        if (text.length() > MAX_CHARS) {
            return fail(SourceSpan.start(file), "too-large",
                    "file has " + text.length() + " characters, more than the limit of " + MAX_CHARS
                            + "; split it or remove unused content");
        }
        LoadSettings settings = LoadSettings.builder().setLabel(file).setCodePointLimit(MAX_CHARS + 1).build();
        ParserImpl parser = new ParserImpl(settings, new StreamReader(settings, text));
        JsonNode root;
        try {
            root = parse(parser);
        } catch (MarkedYamlEngineException e) {
            SourceSpan span = e.getProblemMark().or(e::getContextMark).map(this::span).orElse(SourceSpan.start(file));
            return fail(span, "yaml-syntax", oneLine(e.getProblem() != null ? e.getProblem() : e.getMessage())
                    + "; fix the YAML syntax here");
        } catch (YamlEngineException e) {
            return fail(SourceSpan.start(file), "yaml-syntax", oneLine(e.getMessage()));
        } catch (Abort a) {
            return new Read(Optional.empty(), List.copyOf(diagnostics));
        }
        // Recoverable findings (a duplicate key, an unknown tag) keep the document, so that later
        // stages can report their own findings too; the caller refuses to build a model from it.
        Optional<Document> doc = root == null || root.isNull() ? Optional.empty()
                : Optional.of(new Document(file, text, root, Map.copyOf(valueSpans), Map.copyOf(keySpans)));
        return new Read(doc, List.copyOf(diagnostics));
    }

    private Read fail(SourceSpan span, String rule, String message) {
        diagnostics.add(Diagnostic.error(span, rule, message));
        return new Read(Optional.empty(), List.copyOf(diagnostics));
    }

    /** Thrown to stop reading after a limit was hit; the diagnostic is already recorded. */
    private static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    private abstract static class Frame {
        final String pointer;

        Frame(String pointer) {
            this.pointer = pointer;
        }
    }

    private static final class MapFrame extends Frame {
        final ObjectNode node;
        String key;
        boolean discardValue;

        MapFrame(ObjectNode node, String pointer) {
            super(pointer);
            this.node = node;
        }
    }

    private static final class SeqFrame extends Frame {
        final ArrayNode node;

        SeqFrame(ArrayNode node, String pointer) {
            super(pointer);
            this.node = node;
        }
    }

    /** Swallows a subtree that cannot be kept (a complex key, a duplicate key's value). */
    private static final class SkipFrame extends Frame {
        SkipFrame() {
            super("");
        }
    }

    private JsonNode parse(ParserImpl parser) {
        Deque<Frame> stack = new ArrayDeque<>();
        JsonNode root = null;
        int documents = 0;
        while (parser.hasNext()) {
            Event event = parser.next();
            switch (event.getEventId()) {
                case StreamStart, StreamEnd, DocumentEnd, Comment -> { }
                case DocumentStart -> {
                    documents++;
                    if (documents > 1) {
                        error(span(event), "multiple-documents",
                                "a file holds one document; move this one to a file of its own");
                        throw new Abort();
                    }
                }
                case MappingStart, SequenceStart -> {
                    CollectionStartEvent start = (CollectionStartEvent) event;
                    checkTag(start.getTag(), event, start instanceof MappingStartEvent ? Tag.MAP : Tag.SEQ);
                    if (stack.size() >= MAX_DEPTH) {
                        error(span(event), "too-deep", "nesting deeper than " + MAX_DEPTH
                                + " levels; flatten the structure");
                        throw new Abort();
                    }
                    Frame parent = stack.peek();
                    String pointer = place(parent, event);
                    if (pointer == null) {
                        stack.push(new SkipFrame());
                        continue;
                    }
                    JsonNode node = start instanceof MappingStartEvent ? JSON.objectNode() : JSON.arrayNode();
                    countNode(event);
                    attach(parent, node);
                    if (parent == null) {
                        root = node;
                    }
                    remember(start.getAnchor(), node);
                    stack.push(node instanceof ObjectNode o ? new MapFrame(o, pointer)
                            : new SeqFrame((ArrayNode) node, pointer));
                }
                case MappingEnd, SequenceEnd -> stack.pop();
                case Scalar -> {
                    ScalarEvent scalar = (ScalarEvent) event;
                    Frame parent = stack.peek();
                    if (parent instanceof MapFrame m && m.key == null && !m.discardValue) {
                        takeKey(m, scalar);
                        continue;
                    }
                    String pointer = place(parent, event);
                    if (pointer == null) {
                        continue;
                    }
                    JsonNode node = scalar(scalar);
                    countNode(event);
                    attach(parent, node);
                    if (parent == null) {
                        root = node;
                    }
                    remember(scalar.getAnchor(), node);
                }
                case Alias -> {
                    Frame parent = stack.peek();
                    if (parent instanceof MapFrame m && m.key == null && !m.discardValue) {
                        error(span(event), "complex-key", "an alias cannot be a key; write the key out");
                        m.discardValue = true;
                        continue;
                    }
                    String pointer = place(parent, event);
                    if (pointer == null) {
                        continue;
                    }
                    attach(parent, alias((AliasEvent) event));
                }
            }
        }
        if (root == null || root.isNull()) {
            error(SourceSpan.start(file), "empty", "the file holds no document; write a runbook or an inventory");
        }
        return root;
    }

    /**
     * Records where the next value goes and returns its pointer, or null when the value is to be
     * skipped (inside a skipped subtree, or the value of a rejected key).
     */
    private String place(Frame parent, Event event) {
        if (parent instanceof SkipFrame) {
            return null;
        }
        if (parent instanceof MapFrame m) {
            if (m.key == null && !m.discardValue) {
                error(span(event), "complex-key", "a key must be a plain string; write the key as text");
                m.discardValue = true;
                return null;
            }
            if (m.discardValue) {
                m.discardValue = false;
                m.key = null;
                return null;
            }
            String pointer = Document.child(m.pointer, m.key);
            valueSpans.put(pointer, span(event));
            return pointer;
        }
        if (parent instanceof SeqFrame s) {
            String pointer = Document.child(s.pointer, s.node.size());
            valueSpans.put(pointer, span(event));
            return pointer;
        }
        valueSpans.put("", span(event));
        return "";
    }

    private void takeKey(MapFrame m, ScalarEvent scalar) {
        String key = scalar.getValue();
        String pointer = Document.child(m.pointer, key);
        if (m.node.has(key)) {
            error(span(scalar), "duplicate-key", "duplicate key '" + key + "' (first at "
                    + keySpans.get(pointer) + "); remove one of them");
            m.discardValue = true;
            return;
        }
        keySpans.put(pointer, span(scalar));
        m.key = key;
    }

    private void attach(Frame parent, JsonNode node) {
        if (parent instanceof MapFrame m) {
            m.node.set(m.key, node);
            m.key = null;
        } else if (parent instanceof SeqFrame s) {
            s.node.add(node);
        }
    }

    private void remember(Optional<Anchor> anchor, JsonNode node) {
        anchor.ifPresent(a -> anchors.put(a.getValue(), node));
    }

    private JsonNode alias(AliasEvent event) {
        String name = event.getAlias().getValue();
        if (++aliases > MAX_ALIASES) {
            error(span(event), "too-many-aliases", "more than " + MAX_ALIASES
                    + " aliases; write the values out instead");
            throw new Abort();
        }
        JsonNode target = anchors.get(name);
        if (target == null) {
            error(span(event), "unknown-anchor", "alias '*" + name + "' names no anchor defined before it");
            return JSON.nullNode();
        }
        JsonNode copy = target.deepCopy();
        nodes += size(copy);
        if (nodes > MAX_NODES) {
            error(span(event), "too-large", "alias expansion exceeds " + MAX_NODES + " values; write less");
            throw new Abort();
        }
        return copy;
    }

    private void countNode(Event event) {
        if (++nodes > MAX_NODES) {
            error(span(event), "too-large", "more than " + MAX_NODES + " values; split the file");
            throw new Abort();
        }
    }

    private static int size(JsonNode node) {
        int n = 1;
        for (JsonNode child : node) {
            n += size(child);
        }
        return n;
    }

    private void checkTag(Optional<String> tag, Event event, Tag expected) {
        if (tag.isPresent() && !tag.get().equals(expected.getValue())) {
            error(span(event), "unsupported-tag", "tag '" + tag.get() + "' is not supported; remove it");
        }
    }

    private JsonNode scalar(ScalarEvent event) {
        String value = event.getValue();
        Tag tag;
        if (event.getTag().isPresent() && !event.getTag().get().equals("!")) {
            tag = new Tag(event.getTag().get());
            if (!List.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL).contains(tag)) {
                error(span(event), "unsupported-tag", "tag '" + tag.getValue() + "' is not supported; remove it");
                return JSON.textNode(value);
            }
        } else {
            tag = event.isPlain() ? RESOLVER.resolve(value, event.getImplicit().canOmitTagInPlainScalar()) : Tag.STR;
        }
        try {
            if (tag.equals(Tag.NULL)) {
                return JSON.nullNode();
            } else if (tag.equals(Tag.BOOL)) {
                return JSON.booleanNode(value.equalsIgnoreCase("true"));
            } else if (tag.equals(Tag.INT)) {
                BigInteger n = parseInt(value);
                return n.bitLength() < 63 ? JSON.numberNode(n.longValue()) : JSON.numberNode(n);
            } else if (tag.equals(Tag.FLOAT)) {
                return floatNode(value);
            }
        } catch (NumberFormatException e) {
            error(span(event), "wrong-type", "'" + value + "' is not a valid " + tag.getValue().replace("tag:yaml.org,2002:", ""));
        }
        return JSON.textNode(value);
    }

    private static BigInteger parseInt(String value) {
        String v = value.startsWith("+") ? value.substring(1) : value;
        if (v.startsWith("0x")) {
            return new BigInteger(v.substring(2), 16);
        }
        if (v.startsWith("0o")) {
            return new BigInteger(v.substring(2), 8);
        }
        return new BigInteger(v);
    }

    private static JsonNode floatNode(String value) {
        String v = value.toLowerCase();
        if (v.endsWith(".inf") || v.equals(".nan")) {
            // JSON has no infinities or NaN; keep the text so that the schema reports the wrong type.
            return JSON.textNode(value);
        }
        return JSON.numberNode(new BigDecimal(value.startsWith("+") ? value.substring(1) : value));
    }

    private void error(SourceSpan span, String rule, String message) {
        diagnostics.add(Diagnostic.error(span, rule, message));
    }

    private SourceSpan span(Event event) {
        return event.getStartMark().map(this::span).orElse(SourceSpan.start(file));
    }

    private SourceSpan span(Mark mark) {
        return new SourceSpan(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static String oneLine(String s) {
        return s == null ? "invalid YAML" : s.replaceAll("\\s+", " ").trim();
    }
}
