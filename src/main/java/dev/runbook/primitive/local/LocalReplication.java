package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.PrimitiveException;
import java.time.Instant;

/**
 * The replication family on a local site: the target-side export, the final and reverse syncs between
 * source disks and replicas, and the sync-state and controller-health probes.
 */
final class LocalReplication extends LocalPrimitive {

    LocalReplication(String name) {
        super(name);
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException {
        return switch (spec().name()) {
            case "replication.stop-export" -> export(call, "stopped");
            case "replication.start-export" -> export(call, "active");
            case "replication.final-sync" -> finalSync(call);
            case "replication.reverse-sync" -> reverseSync(call);
            case "replication.sync-state" -> syncState(call);
            case "controller.health" -> object().put("state", health(call));
            default -> throw new IllegalStateException("primitive '" + spec().name() + "' is not a replication one");
        };
    }

    private JsonNode export(Call call, String target) throws PrimitiveException {
        String vm = vm(call).path("name").asText();
        Site site = recovery(call);
        return mutate(call, state -> {
            ObjectNode entry = entry(state, vm, site);
            boolean wasActive = "active".equals(entry.path("export").asText());
            entry.put("export", target);
            return object().put("wasActive", wasActive);
        });
    }

    private JsonNode finalSync(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site source = source(call);
        Site recovery = recovery(call);
        String domain = vm.path("sourceDomain").asText();
        return mutateBoth(call, (src, rec) -> {
            String power = src.path("domains").path(domain).path("state").asText("missing");
            if (!"shutoff".equals(power)) {
                throw fail("source domain '%s' on site '%s' is %s, not shut off; power it off before the final sync",
                        domain, source.name(), power);
            }
            ObjectNode entry = entry(rec, vm.path("name").asText(), recovery);
            ArrayNode synced = object().arrayNode();
            for (JsonNode d : vm.path("disks")) {
                copy(src, d.path("source").asText(), source, rec, d.path("replica").asText(), recovery);
                synced.add(d.path("replica").asText());
            }
            entry.put("lastResult", "succeeded").put("lastSync", Instant.now().toString())
                    .put("checkpointPending", false);
            return object().set("synced", synced);
        });
    }

    private JsonNode reverseSync(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site source = source(call);
        Site recovery = recovery(call);
        return mutateBoth(call, (src, rec) -> {
            ArrayNode synced = object().arrayNode();
            for (JsonNode d : vm.path("disks")) {
                copy(rec, d.path("replica").asText(), recovery, src, d.path("source").asText(), source);
                synced.add(d.path("source").asText());
            }
            return object().set("synced", synced);
        });
    }

    private static void copy(JsonNode from, String fromPath, Site fromSite, JsonNode to, String toPath, Site toSite)
            throws PrimitiveException {
        String content = LocalStorage.disk(from, fromPath, fromSite).path("content").asText();
        LocalStorage.disk(to, toPath, toSite).put("content", content);
    }

    private JsonNode syncState(Call call) throws PrimitiveException {
        Site site = recovery(call);
        ObjectNode entry = entry(site.local().read(), vm(call).path("name").asText(), site);
        return object().put("lastResult", entry.path("lastResult").asText())
                .put("lastSync", entry.path("lastSync").asText())
                .put("checkpointPending", entry.path("checkpointPending").asBoolean(false))
                .put("export", entry.path("export").asText());
    }

    private String health(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        JsonNode state = recovery(call).local().read();
        JsonNode controller = state.path("domains").path(vm.path("controllerDomain").asText());
        JsonNode entry = state.path("replication").path(vm.path("name").asText());
        if (controller.isMissingNode() || entry.isMissingNode()) {
            return "unknown";
        }
        if (!"running".equals(controller.path("state").asText())) {
            return "offline";
        }
        boolean healthy = "succeeded".equals(entry.path("lastResult").asText())
                && !entry.path("checkpointPending").asBoolean(false);
        return healthy ? "online" : "degraded";
    }

    private static ObjectNode entry(JsonNode state, String vm, Site site) throws PrimitiveException {
        if (state.path("replication").get(vm) instanceof ObjectNode entry) {
            return entry;
        }
        throw fail("vm '%s' has no replication entry on site '%s'", vm, site.name());
    }
}
