package dev.runbook.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A loaded YAML document: its data as a JSON tree, and where each value and key came from, by JSON
 * pointer ({@code /spec/steps/2/uses}).
 */
public record Document(String file, String text, JsonNode root, Map<String, SourceSpan> valueSpans,
                       Map<String, SourceSpan> keySpans) {

    /** Digests already taken, by text: a plan of a thousand VMs names its inventory's digest a thousand times. */
    private static final Map<String, String> DIGESTS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The SHA-256 of the text, as hex; taken once per text. */
    public String sha256() {
        return DIGESTS.computeIfAbsent(text, Hashes::sha256);
    }

    /** The span of the value at {@code pointer}, or of its nearest located ancestor. */
    public SourceSpan at(String pointer) {
        for (String p = pointer; ; p = parent(p)) {
            SourceSpan span = valueSpans.get(p);
            if (span != null) {
                return span;
            }
            if (p.isEmpty()) {
                return SourceSpan.start(file);
            }
        }
    }

    /** The span of the key that names the value at {@code pointer}, else of the value. */
    public SourceSpan keyAt(String pointer) {
        SourceSpan span = keySpans.get(pointer);
        return span != null ? span : at(pointer);
    }

    public static String parent(String pointer) {
        int slash = pointer.lastIndexOf('/');
        return slash <= 0 ? "" : pointer.substring(0, slash);
    }

    public static String child(String pointer, String key) {
        return pointer + "/" + key.replace("~", "~0").replace("/", "~1");
    }

    public static String child(String pointer, int index) {
        return pointer + "/" + index;
    }
}
