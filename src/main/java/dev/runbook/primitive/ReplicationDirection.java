package dev.runbook.primitive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Which way a VM replicates: {@code forward} from the protected site into the recovery site's replicas,
 * or {@code reverse} (after a reprotect) from the recovered VM back into the protected site's disks.
 * Both sites' replication primitives keep it on the VM's replication entry, with the last sync's record,
 * which belongs to one direction: changing direction starts a new record and keeps the old one for undo.
 */
public final class ReplicationDirection {

    public static final String FORWARD = "forward";
    public static final String REVERSE = "reverse";

    /** The fields of an entry that a change of direction replaces and its undo restores. */
    private static final List<String> RECORD = List.of("direction", "lastResult", "lastSync", "checkpointPending");

    private ReplicationDirection() {
    }

    /** The entry's direction; entries written before directions existed replicate forward. */
    public static String of(JsonNode entry) {
        return entry.path("direction").asText(FORWARD);
    }

    /**
     * The controller's mode: {@code failover} while a failover holds its replication-mode definition aside
     * (recorded when the failover stopped the export), {@code replication} otherwise.
     */
    public static String mode(JsonNode entry) {
        return entry.hasNonNull("controllerDefinition") ? "failover" : "replication";
    }

    public static String checked(String direction) throws PrimitiveException {
        if (!direction.equals(FORWARD) && !direction.equals(REVERSE)) {
            throw CallSupport.fail("replication direction '%s' is neither forward nor reverse", direction);
        }
        return direction;
    }

    /** Sets the direction with no sync yet in it; the result keeps the record it replaced. */
    public static JsonNode set(ObjectNode entry, String direction) {
        ObjectNode previous = StateFile.JSON.createObjectNode();
        for (String field : RECORD) {
            if (entry.has(field)) {
                previous.set(field, entry.get(field));
            }
        }
        entry.put("direction", direction).put("lastResult", "never").put("lastSync", "").put("checkpointPending", false);
        return StateFile.JSON.createObjectNode().put("direction", direction).put("previous", previous.toString());
    }

    /** Puts back exactly the record {@link #set} replaced, fields that were absent included. */
    public static void restore(ObjectNode entry, ObjectNode previous) {
        entry.remove(RECORD);
        entry.setAll(previous);
    }

    /** The record {@link #set} returned, checked before it is written back. */
    public static ObjectNode recorded(String text, String vm) throws PrimitiveException {
        try {
            if (StateFile.JSON.readTree(text) instanceof ObjectNode previous) {
                checked(of(previous));
                previous.retain(RECORD);
                return previous;
            }
        } catch (JsonProcessingException e) {
            // Reported below with the other malformed cases.
        }
        throw CallSupport.fail("replication record of %s to restore is not one set-direction wrote: %s", vm, text);
    }
}
