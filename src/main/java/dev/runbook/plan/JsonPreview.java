package dev.runbook.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The plan as JSON: what {@code --out plan.json} saves and {@code run --plan} reads back. */
public final class JsonPreview {

    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonPreview() {
    }

    public static String render(Plan plan) {
        try {
            return PRETTY.writeValueAsString(plan) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Plan read(String json) throws JsonProcessingException {
        return PRETTY.readValue(json, Plan.class);
    }
}
