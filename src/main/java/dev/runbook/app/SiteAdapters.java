package dev.runbook.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.Primitives;
import dev.runbook.primitive.Sites;
import java.util.Map;

/** The composition root's choice of site adapter for a plan's sites. */
public final class SiteAdapters {

    private SiteAdapters() {
    }

    public static Primitives forBindings(Map<String, JsonNode> bindings) throws PrimitiveException {
        return Sites.forBindings(bindings);
    }
}
