package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;

/** What a primitive can tell about an earlier call. */
public sealed interface Observation {

    /** The call took effect; {@code result} is what it returned, or what can be reconstructed of it. */
    record Applied(JsonNode result) implements Observation {
    }

    /** The call did not take effect: nothing to undo, and applying it now is safe. */
    record NotApplied() implements Observation {
    }

    /** The primitive cannot tell; the operator must look. */
    record Unknown(String reason) implements Observation {
    }
}
