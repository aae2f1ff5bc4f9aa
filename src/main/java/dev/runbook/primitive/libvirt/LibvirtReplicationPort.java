package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.ReplicationDirection;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * The replication port of a libvirt recovery site outside runs: a periodic sync that copies each source
 * disk's content into its replica with {@code qemu-img}, and what an interrupted sync leaves behind (a
 * checkpoint to recover before failover). Its state per VM lives in the recovery site's state file, where
 * the replication primitives read it.
 */
public final class LibvirtReplicationPort implements ReplicationPort {

    private final SiteRef recovery;

    public LibvirtReplicationPort(SiteRef recovery) {
        this.recovery = recovery;
    }

    /** Registers a VM with an active export and no sync yet. */
    public void register(String vm) {
        StateFile.at(recovery.state()).vm(vm).change(content -> {
            Replication.replication(content).putObject(vm).put("export", "active").put("lastResult", "never")
                    .put("lastSync", "").put("checkpointPending", false);
            return null;
        });
    }

    /**
     * Copies every disk in the VM's replication direction (source into replica, or back after a
     * reprotect); the sync succeeds and clears any checkpoint.
     */
    @Override
    public void sync(String vm, List<Pair> disks) throws PrimitiveException, InterruptedException {
        boolean forward = forward(vm);
        // Torn until every disk is copied: a sync that fails or is cut off leaves a checkpoint pending.
        update(vm, e -> e.put("lastResult", "running").put("checkpointPending", true));
        for (Pair p : disks) {
            try {
                copy(p, forward);
            } catch (PrimitiveException e) {
                update(vm, entry -> entry.put("lastResult", "failed").put("lastError", e.getMessage()));
                throw e;
            }
        }
        update(vm, e -> e.put("lastResult", "succeeded").put("lastSync", Instant.now().toString())
                .put("checkpointPending", false));
    }

    /**
     * A sync cut off after its first disk: the replicas are a mix of old and new content, the result is
     * {@code interrupted} and a checkpoint is pending until a full sync recovers it.
     */
    public void interruptedSync(String vm, List<Pair> disks) throws PrimitiveException, InterruptedException {
        if (!disks.isEmpty()) {
            copy(disks.get(0), forward(vm));
        }
        update(vm, e -> e.put("lastResult", "interrupted").put("checkpointPending", true));
    }

    /** Sets the VM's last sync result, as a failed transfer would. */
    public void failedSync(String vm, String reason) throws PrimitiveException {
        update(vm, e -> e.put("lastResult", "failed").put("lastError", reason));
    }

    /**
     * Controller health: online when the controller runs and the last sync succeeded with no checkpoint
     * pending; degraded when it runs but replication is behind; offline when it does not run; unknown
     * when the VM has no replication entry or the controller domain is missing.
     */
    public static String health(String controllerState, JsonNode entry) {
        if (entry.isMissingNode() || "missing".equals(controllerState)) {
            return "unknown";
        }
        if (!"running".equals(controllerState)) {
            return "offline";
        }
        boolean healthy = "succeeded".equals(entry.path("lastResult").asText())
                && !entry.path("checkpointPending").asBoolean(false);
        return healthy ? "online" : "degraded";
    }

    /** What the port knows of a VM, with its controller's power state and health. */
    @Override
    public ObjectNode status(String vm, String controller) throws PrimitiveException, InterruptedException {
        return Session.read(recovery, s -> {
            // A VM the port has no entry for is shown, as unknown, rather than ending the listing.
            JsonNode entry = s.state().path("replication").path(vm);
            String power = s.stateOf(controller);
            return StateFile.JSON.createObjectNode().put("vm", vm).put("direction", ReplicationDirection.of(entry))
                    .put("export", entry.path("export").asText()).put("lastSync", entry.path("lastSync").asText())
                    .put("lastResult", entry.path("lastResult").asText())
                    .put("checkpointPending", entry.path("checkpointPending").asBoolean(false))
                    .put("controller", controller).put("controllerState", power).put("health", health(power, entry));
        });
    }

    /** Copies one disk the way the VM replicates: source into replica, or back. */
    private static void copy(Pair p, boolean forward) throws PrimitiveException, InterruptedException {
        QemuImg.copyInto(forward ? p.source() : p.replica(), forward ? p.replica() : p.source());
    }

    private boolean forward(String vm) throws PrimitiveException {
        return ReplicationDirection.FORWARD.equals(direction(vm));
    }

    /** The VM's replication direction: forward, or reverse after a reprotect. */
    public String direction(String vm) throws PrimitiveException {
        return ReplicationDirection.of(Replication.entry(StateFile.at(recovery.state()).vm(vm).read(), vm, recovery));
    }

    private void update(String vm, Consumer<ObjectNode> change) throws PrimitiveException {
        StateFile.at(recovery.state()).vm(vm).change(content -> {
            change.accept(Replication.entry(content, vm, recovery));
            return null;
        });
    }
}
