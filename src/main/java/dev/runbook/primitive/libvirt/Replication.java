package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.ReplicationSpecs;
import dev.runbook.primitive.ReplicationDirection;
import dev.runbook.primitive.ReplicationResumed;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The replication family on the local replication port: the target-side export, the final and reverse
 * syncs between source disks and replicas, and the sync-state and controller-health probes. The port's
 * state per VM (export, last sync, its result, a pending checkpoint) lives in the recovery site's state
 * file; syncs copy disk content with {@code qemu-img}.
 */
final class Replication extends LibvirtPrimitive {

    /** What one primitive of the family does. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(Replication self, Call call) throws PrimitiveException, InterruptedException;
    }

    /** How a primitive of the family resolves the intent of a cut-off call. */
    @FunctionalInterface
    private interface Settle {
        Observation settle(Call call, Session session, JsonNode intent) throws PrimitiveException;
    }

    /** Syncs and exports are harmless to make again. */
    private static final Settle AGAIN = (call, session, intent) -> new Observation.NotApplied();

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new Replication(ReplicationSpecs.STOP_EXPORT, (self, call) -> self.export(call, "stopped"), AGAIN),
                new Replication(ReplicationSpecs.START_EXPORT, (self, call) -> self.export(call, "active"), AGAIN),
                new Replication(ReplicationSpecs.FINAL_SYNC, Replication::finalSync, AGAIN),
                new Replication(ReplicationSpecs.REVERSE_SYNC, Replication::reverseSync, AGAIN),
                new Replication(ReplicationSpecs.SET_DIRECTION, Replication::setDirection, AGAIN),
                new Replication(ReplicationSpecs.RESTORE_DIRECTION, Replication::restoreDirection, AGAIN),
                new Replication(ReplicationSpecs.SYNC, Replication::sync, AGAIN),
                new Replication(ReplicationSpecs.CONTROLLER_MODE, Replication::controllerMode,
                        Replication::controllerModeSettled),
                new Replication(ReplicationSpecs.SYNC_STATE, Replication::syncState, AGAIN),
                new Replication(ReplicationSpecs.CONTROLLER_HEALTH, Replication::health, AGAIN),
                new Replication(ReplicationSpecs.VERIFY_RESUMED, Replication::verifyResumed, AGAIN));
    }

    private final Body body;
    private final Settle settle;

    private Replication(PrimitiveSpec spec, Body body, Settle settle) {
        super(spec);
        this.body = body;
        this.settle = settle;
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call);
    }

    @Override
    Observation settle(Call call, Session session, JsonNode intent) throws PrimitiveException {
        return settle.settle(call, session, intent);
    }

    /**
     * Starts or stops the target-side export. Stopping it is where the controller leaves replication
     * mode, so its definition then is recorded: a committed failover's failback returns it to that.
     */
    private JsonNode export(Call call, String target) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        return mutate(call, NOTHING, (session, intent) -> {
            ObjectNode content = session.state(vm.path("name").asText());
            ObjectNode entry = entry(content, vm.path("name").asText(), session.site());
            boolean wasActive = "active".equals(entry.path("export").asText());
            if (wasActive && target.equals("stopped")) {
                entry.put("controllerDefinition", session.definition(vm.path("controllerDomain").asText()));
            } else if (target.equals("active")) {
                entry.remove("controllerDefinition"); // the controller is in replication mode again
            }
            entry.put("export", target);
            session.writeState(vm.path("name").asText(), content);
            return object().put("wasActive", wasActive);
        });
    }

    private JsonNode finalSync(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        SiteRef source = protectedSite(call);
        String domain = vm.path("sourceDomain").asText();
        String power = Session.read(source, s -> s.stateOf(domain));
        if (!"shutoff".equals(power)) {
            throw CallSupport.fail("source domain '%s' on site '%s' is %s, not shut off; power it off before "
                    + "the final sync", domain, source.name(), power);
        }
        return mutate(call, NOTHING, (session, intent) -> {
            ArrayNode synced = object().arrayNode();
            for (JsonNode d : vm.path("disks")) {
                QemuImg.copyInto(Path.of(d.path("source").asText()), Path.of(d.path("replica").asText()));
                synced.add(d.path("replica").asText());
            }
            ObjectNode content = session.state(vm.path("name").asText());
            entry(content, vm.path("name").asText(), session.site()).put("lastResult", "succeeded")
                    .put("lastSync", Instant.now().toString()).put("checkpointPending", false);
            session.writeState(vm.path("name").asText(), content);
            return object().set("synced", synced);
        });
    }

    /** The final reverse sync of a failback: the recovered VM is stopped, so the copy is its final state. */
    private JsonNode reverseSync(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        String controller = vm.path("controllerDomain").asText();
        return mutate(call, NOTHING, (session, intent) -> {
            ObjectNode entry = entry(session.state(vm.path("name").asText()), vm.path("name").asText(), session.site());
            if (!ReplicationDirection.REVERSE.equals(ReplicationDirection.of(entry))) {
                throw CallSupport.fail("%s replicates %s; reprotect it (reverse replication) before a failback",
                        vm.path("name").asText(), ReplicationDirection.of(entry));
            }
            String power = session.stateOf(controller);
            if (!"shutoff".equals(power)) {
                throw CallSupport.fail("recovered domain '%s' on site '%s' is %s, not shut off; stop it before the "
                        + "final reverse sync", controller, session.site().name(), power);
            }
            return copy(session, vm, ReplicationDirection.REVERSE);
        });
    }

    /** A sync in the VM's current direction, taken while the sending VM runs. */
    private JsonNode sync(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        return mutate(call, NOTHING, (session, intent) -> {
            ObjectNode entry = entry(session.state(vm.path("name").asText()), vm.path("name").asText(), session.site());
            return copy(session, vm, ReplicationDirection.of(entry));
        });
    }

    /** Copies every disk one way and records a successful sync on the VM's entry. */
    private static JsonNode copy(Session session, JsonNode vm, String direction)
            throws PrimitiveException, InterruptedException {
        boolean forward = ReplicationDirection.FORWARD.equals(direction);
        // Until every disk is copied the receiving disks are torn: a sync cut off here leaves a checkpoint
        // that blocks failover, never an earlier "succeeded".
        ObjectNode before = session.state(vm.path("name").asText());
        entry(before, vm.path("name").asText(), session.site()).put("lastResult", "running").put("checkpointPending", true);
        session.writeState(vm.path("name").asText(), before);
        ArrayNode synced = object().arrayNode();
        for (JsonNode d : vm.path("disks")) {
            Path source = Path.of(d.path("source").asText());
            Path replica = Path.of(d.path("replica").asText());
            QemuImg.copyInto(forward ? source : replica, forward ? replica : source);
            synced.add((forward ? replica : source).toString());
        }
        ObjectNode content = session.state(vm.path("name").asText());
        entry(content, vm.path("name").asText(), session.site()).put("lastResult", "succeeded")
                .put("lastSync", Instant.now().toString()).put("checkpointPending", false);
        session.writeState(vm.path("name").asText(), content);
        return object().put("direction", direction).set("synced", synced);
    }

    private JsonNode setDirection(Call call) throws PrimitiveException, InterruptedException {
        String vm = CallSupport.vm(call).path("name").asText();
        String direction = ReplicationDirection.checked(CallSupport.text(call, "direction"));
        SiteRef site = home(call);
        return mutateState(call, content -> ReplicationDirection.set(entry(content, vm, site), direction));
    }

    private JsonNode restoreDirection(Call call) throws PrimitiveException, InterruptedException {
        String vm = CallSupport.vm(call).path("name").asText();
        ObjectNode previous = ReplicationDirection.recorded(CallSupport.text(call, "previous"), vm);
        SiteRef site = home(call);
        return mutateState(call, content -> {
            ReplicationDirection.restore(entry(content, vm, site), previous);
            return object();
        });
    }

    /**
     * The controller returns to replication mode after a failback: its definition from before the
     * failover (recorded when the export stopped). It stays off: the forward sync writes into the
     * replicas it would hold open, and the runbook starts it afterwards.
     */
    private JsonNode controllerMode(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        String controller = vm.path("controllerDomain").asText();
        return mutate(call, NOTHING, (session, intent) -> {
            ObjectNode entry = entry(session.state(vm.path("name").asText()), vm.path("name").asText(), session.site());
            String xml = entry.path("controllerDefinition").asText("");
            if (xml.isEmpty()) {
                throw CallSupport.fail("no replication-mode definition of controller '%s' is recorded on site '%s'; "
                        + "it is recorded when a failover stops the export", controller, session.site().name());
            }
            String power = session.stateOf(controller);
            if (!"shutoff".equals(power)) {
                throw CallSupport.fail("controller domain '%s' on site '%s' is %s, not shut off; stop it first",
                        controller, session.site().name(), power);
            }
            session.define(controller, xml);
            return object().put("controller", controller).put("definition", "replication mode");
        });
    }

    /** A cut-off controller-mode call took effect when the controller holds its recorded definition. */
    private static Observation controllerModeSettled(Call call, Session session, JsonNode intent)
            throws PrimitiveException {
        JsonNode vm = CallSupport.vm(call);
        String controller = vm.path("controllerDomain").asText();
        JsonNode entry = session.state(vm.path("name").asText()).path("replication").path(vm.path("name").asText());
        boolean done = Session.sameDefinition(session.definition(controller), entry.path("controllerDefinition").asText());
        return done ? new Observation.Applied(object().put("controller", controller).put("definition", "replication mode"))
                : new Observation.NotApplied();
    }

    private JsonNode syncState(Call call) throws PrimitiveException, InterruptedException {
        String vm = CallSupport.vm(call).path("name").asText();
        SiteRef site = home(call);
        ObjectNode entry = entry(Session.read(site, s -> s.state(vm)), vm, site);
        return object().put("direction", ReplicationDirection.of(entry))
                .put("lastResult", entry.path("lastResult").asText())
                .put("lastSync", entry.path("lastSync").asText())
                .put("checkpointPending", entry.path("checkpointPending").asBoolean(false))
                .put("export", entry.path("export").asText())
                .put("mode", ReplicationDirection.mode(entry));
    }

    /**
     * Online when the controller runs and the last sync succeeded with no checkpoint pending; degraded
     * when it runs but replication is behind; offline when it does not run; unknown when the site or
     * the VM's replication cannot be read.
     */
    private JsonNode health(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        SiteRef site = home(call);
        try {
            return Session.read(site, s -> {
                JsonNode entry = s.state(vm.path("name").asText()).path("replication").path(vm.path("name").asText());
                String controller = s.stateOf(vm.path("controllerDomain").asText());
                return object().put("state", LibvirtReplicationPort.health(controller, entry)).put("controller", controller);
            });
        } catch (PrimitiveException e) {
            return object().put("state", "unknown").put("reason", e.getMessage());
        }
    }

    private JsonNode verifyResumed(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        String controller = vm.path("controllerDomain").asText();
        return Session.read(home(call), s -> ReplicationResumed.verify(vm.path("name").asText(), s.site().name(),
                s.state(vm.path("name").asText()).path("replication").path(vm.path("name").asText()), controller, s.stateOf(controller)));
    }

    static ObjectNode entry(ObjectNode content, String vm, SiteRef site) throws PrimitiveException {
        if (content.path("replication").get(vm) instanceof ObjectNode entry) {
            return entry;
        }
        throw CallSupport.fail("vm '%s' has no replication entry on site '%s' (%s)", vm, site.name(), site.state());
    }

    static ObjectNode replication(ObjectNode content) {
        return StateFile.section(content, "replication");
    }
}
