package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The replication family on the local replication port: the target-side export, the final and reverse
 * syncs between source disks and replicas, and the sync-state and controller-health probes. The port's
 * state per VM (export, last sync, its result, a pending checkpoint) lives in the recovery site's state
 * file; syncs copy disk content with {@code qemu-img}.
 */
final class Replication extends LibvirtPrimitive {

    Replication(String name) {
        super(name);
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return switch (spec().name()) {
            case "replication.stop-export" -> export(call, "stopped");
            case "replication.start-export" -> export(call, "active");
            case "replication.final-sync" -> finalSync(call);
            case "replication.reverse-sync" -> reverseSync(call);
            case "replication.sync-state" -> syncState(call);
            case "controller.health" -> health(call);
            default -> throw new IllegalStateException("primitive '" + spec().name() + "' is not a replication one");
        };
    }

    private JsonNode export(Call call, String target) throws PrimitiveException, InterruptedException {
        String vm = CallSupport.vm(call).path("name").asText();
        SiteRef site = home(call);
        return mutateState(call, content -> {
            ObjectNode entry = entry(content, vm, site);
            boolean wasActive = "active".equals(entry.path("export").asText());
            entry.put("export", target);
            return object().put("wasActive", wasActive);
        });
    }

    private JsonNode finalSync(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        SiteRef source = source(call);
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
            ObjectNode content = session.state();
            entry(content, vm.path("name").asText(), session.site()).put("lastResult", "succeeded")
                    .put("lastSync", Instant.now().toString()).put("checkpointPending", false);
            session.writeState(content);
            return object().set("synced", synced);
        });
    }

    private JsonNode reverseSync(Call call) throws PrimitiveException, InterruptedException {
        JsonNode vm = CallSupport.vm(call);
        return mutate(call, NOTHING, (session, intent) -> {
            ArrayNode synced = object().arrayNode();
            for (JsonNode d : vm.path("disks")) {
                QemuImg.copyInto(Path.of(d.path("replica").asText()), Path.of(d.path("source").asText()));
                synced.add(d.path("source").asText());
            }
            return object().set("synced", synced);
        });
    }

    private JsonNode syncState(Call call) throws PrimitiveException, InterruptedException {
        String vm = CallSupport.vm(call).path("name").asText();
        SiteRef site = home(call);
        ObjectNode entry = entry(Session.read(site, Session::state), vm, site);
        return object().put("lastResult", entry.path("lastResult").asText())
                .put("lastSync", entry.path("lastSync").asText())
                .put("checkpointPending", entry.path("checkpointPending").asBoolean(false))
                .put("export", entry.path("export").asText());
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
                JsonNode entry = s.state().path("replication").path(vm.path("name").asText());
                String controller = s.stateOf(vm.path("controllerDomain").asText());
                String state;
                if (entry.isMissingNode() || "missing".equals(controller)) {
                    state = "unknown";
                } else if (!"running".equals(controller)) {
                    state = "offline";
                } else {
                    boolean healthy = "succeeded".equals(entry.path("lastResult").asText())
                            && !entry.path("checkpointPending").asBoolean(false);
                    state = healthy ? "online" : "degraded";
                }
                return object().put("state", state).put("controller", controller);
            });
        } catch (PrimitiveException e) {
            return object().put("state", "unknown").put("reason", e.getMessage());
        }
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
