package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.local.LocalPrimitives;
import dev.runbook.primitive.local.LocalSite;
import java.util.Map;

/** Picks the primitives that drive a plan's sites, by their URIs. */
public final class Sites {

    private Sites() {
    }

    /**
     * The primitives for the plan's recovery and source sites.
     *
     * @throws PrimitiveException naming the site whose URI this build cannot drive
     */
    public static Primitives forBindings(Map<String, JsonNode> bindings) throws PrimitiveException {
        for (String role : new String[] {"site", "sourceSite"}) {
            JsonNode site = bindings.get(role);
            String uri = site == null ? "" : site.path("uri").asText();
            if (LocalSite.pathOf(uri).isEmpty()) {
                throw new PrimitiveException("site '" + site.path("name").asText() + "' has URI " + uri
                        + ", which this build cannot drive yet; use a local:///<absolute path>.json site");
            }
        }
        return LocalPrimitives.all();
    }
}
