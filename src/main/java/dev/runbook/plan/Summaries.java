package dev.runbook.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Fills a primitive's dry-run description with resolved parameter values. */
final class Summaries {

    private static final Pattern SLOT = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)\\}");

    private Summaries() {
    }

    static String fill(String summary, JsonNode with) {
        Matcher m = SLOT.matcher(summary);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            JsonNode v = with.get(m.group(1));
            String text = v == null ? "(default)" : v.isTextual() ? v.asText() : v.toString();
            m.appendReplacement(out, Matcher.quoteReplacement(text));
        }
        m.appendTail(out);
        return out.toString();
    }
}
