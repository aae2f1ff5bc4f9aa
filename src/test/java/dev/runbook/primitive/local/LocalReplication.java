package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.ReplicationDirection;
import dev.runbook.primitive.ReplicationResumed;
import dev.runbook.primitive.ReplicationSpecs;
import java.time.Instant;
import java.util.List;

/**
 * The replication family on a local site: the target-side export, the final and reverse syncs between
 * source disks and replicas, and the sync-state and controller-health probes.
 */
final class LocalReplication extends LocalPrimitive {

    /** What one primitive of the family does. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(LocalReplication self, Call call) throws PrimitiveException, InterruptedException;
    }

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new LocalReplication(ReplicationSpecs.STOP_EXPORT, (self, call) -> self.export(call, "stopped")),
                new LocalReplication(ReplicationSpecs.START_EXPORT, (self, call) -> self.export(call, "active")),
                new LocalReplication(ReplicationSpecs.FINAL_SYNC, LocalReplication::finalSync),
                new LocalReplication(ReplicationSpecs.REVERSE_SYNC, LocalReplication::reverseSync),
                new LocalReplication(ReplicationSpecs.SET_DIRECTION, LocalReplication::setDirection),
                new LocalReplication(ReplicationSpecs.RESTORE_DIRECTION, LocalReplication::restoreDirection),
                new LocalReplication(ReplicationSpecs.SYNC, LocalReplication::sync),
                new LocalReplication(ReplicationSpecs.CONTROLLER_MODE, LocalReplication::controllerMode),
                new LocalReplication(ReplicationSpecs.SYNC_STATE, LocalReplication::syncState),
                new LocalReplication(ReplicationSpecs.CONTROLLER_HEALTH, (self, call) -> object().put("state", self.health(call))),
                new LocalReplication(ReplicationSpecs.VERIFY_RESUMED, LocalReplication::verifyResumed));
    }

    private final Body body;

    private LocalReplication(PrimitiveSpec spec, Body body) {
        super(spec);
        this.body = body;
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call);
    }

    /** Starts or stops the export; stopping it records the controller's replication-mode definition. */
    private JsonNode export(Call call, String target) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site site = recovery(call);
        return mutate(call, state -> {
            ObjectNode entry = entry(state, vm.path("name").asText(), site);
            boolean wasActive = "active".equals(entry.path("export").asText());
            if (wasActive && target.equals("stopped")) {
                ObjectNode definition = LocalDomains.domain(state, vm.path("controllerDomain").asText(), site).deepCopy();
                definition.remove("state");
                entry.put("controllerDefinition", definition.toString());
            } else if (target.equals("active")) {
                entry.remove("controllerDefinition"); // the controller is in replication mode again
            }
            entry.put("export", target);
            return object().put("wasActive", wasActive);
        });
    }

    private JsonNode finalSync(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site source = protectedSite(call);
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

    /** The final reverse sync of a failback: the recovered VM is stopped, so the copy is its final state. */
    private JsonNode reverseSync(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site recovery = recovery(call);
        String controller = vm.path("controllerDomain").asText();
        return mutateBoth(call, (src, rec) -> {
            ObjectNode entry = entry(rec, vm.path("name").asText(), recovery);
            if (!ReplicationDirection.REVERSE.equals(ReplicationDirection.of(entry))) {
                throw fail("%s replicates %s; reprotect it (reverse replication) before a failback",
                        vm.path("name").asText(), ReplicationDirection.of(entry));
            }
            String power = rec.path("domains").path(controller).path("state").asText("missing");
            if (!"shutoff".equals(power)) {
                throw fail("recovered domain '%s' on site '%s' is %s, not shut off; stop it before the final "
                        + "reverse sync", controller, recovery.name(), power);
            }
            return copyAll(call, vm, src, rec, ReplicationDirection.REVERSE);
        });
    }

    /** A sync in the VM's current direction, taken while the sending VM runs. */
    private JsonNode sync(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site recovery = recovery(call);
        return mutateBoth(call, (src, rec) -> copyAll(call, vm, src, rec,
                ReplicationDirection.of(entry(rec, vm.path("name").asText(), recovery))));
    }

    /** Copies every disk one way and records a successful sync on the VM's entry. */
    private static JsonNode copyAll(Call call, JsonNode vm, ObjectNode src, ObjectNode rec, String direction)
            throws PrimitiveException {
        Site source = protectedSite(call);
        Site recovery = recovery(call);
        boolean forward = ReplicationDirection.FORWARD.equals(direction);
        ArrayNode synced = object().arrayNode();
        for (JsonNode d : vm.path("disks")) {
            String s = d.path("source").asText();
            String r = d.path("replica").asText();
            if (forward) {
                copy(src, s, source, rec, r, recovery);
            } else {
                copy(rec, r, recovery, src, s, source);
            }
            synced.add(forward ? r : s);
        }
        entry(rec, vm.path("name").asText(), recovery).put("lastResult", "succeeded")
                .put("lastSync", Instant.now().toString()).put("checkpointPending", false);
        return object().put("direction", direction).set("synced", synced);
    }

    private JsonNode setDirection(Call call) throws PrimitiveException {
        String vm = vm(call).path("name").asText();
        String direction = ReplicationDirection.checked(text(call, "direction"));
        Site site = recovery(call);
        return mutate(call, state -> ReplicationDirection.set(entry(state, vm, site), direction));
    }

    private JsonNode restoreDirection(Call call) throws PrimitiveException {
        String vm = vm(call).path("name").asText();
        ObjectNode previous = ReplicationDirection.recorded(text(call, "previous"), vm);
        Site site = recovery(call);
        return mutate(call, state -> {
            ReplicationDirection.restore(entry(state, vm, site), previous);
            return object();
        });
    }

    /** The controller returns to its definition from before the failover; it stays off until started. */
    private JsonNode controllerMode(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site site = recovery(call);
        String name = vm.path("controllerDomain").asText();
        return mutate(call, state -> {
            ObjectNode entry = entry(state, vm.path("name").asText(), site);
            String recorded = entry.path("controllerDefinition").asText("");
            if (recorded.isEmpty()) {
                throw fail("no replication-mode definition of controller '%s' is recorded on site '%s'; it is "
                        + "recorded when a failover stops the export", name, site.name());
            }
            ObjectNode domain = LocalDomains.domain(state, name, site);
            String power = domain.path("state").asText();
            if (!"shutoff".equals(power)) {
                throw fail("controller domain '%s' on site '%s' is %s, not shut off; stop it first", name,
                        site.name(), power);
            }
            try {
                domain.removeAll();
                domain.setAll((ObjectNode) LocalSite.JSON.readTree(recorded));
            } catch (com.fasterxml.jackson.core.JsonProcessingException | ClassCastException e) {
                throw fail("definition recorded for controller '%s' is not one this site wrote: %s", name, recorded);
            }
            domain.put("state", "shutoff");
            return object().put("controller", name).put("definition", "replication mode");
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
        return object().put("direction", ReplicationDirection.of(entry))
                .put("lastResult", entry.path("lastResult").asText())
                .put("lastSync", entry.path("lastSync").asText())
                .put("checkpointPending", entry.path("checkpointPending").asBoolean(false))
                .put("export", entry.path("export").asText())
                .put("mode", ReplicationDirection.mode(entry));
    }

    private JsonNode verifyResumed(Call call) throws PrimitiveException {
        JsonNode vm = vm(call);
        Site site = recovery(call);
        JsonNode state = site.local().read();
        String controller = vm.path("controllerDomain").asText();
        JsonNode domain = state.path("domains").path(controller);
        return ReplicationResumed.verify(vm.path("name").asText(), site.name(),
                state.path("replication").path(vm.path("name").asText()), controller,
                domain.isMissingNode() ? "missing" : domain.path("state").asText());
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
