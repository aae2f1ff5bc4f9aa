package dev.runbook.primitive;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The replication of one recovery site outside runs: what the prechecks read, and the sync their fix texts
 * ask for (a successful sync recovers the checkpoint of an interrupted one).
 */
public interface ReplicationPort {

    /** A source disk and the replica it is copied into. */
    record Pair(Path source, Path replica) {
    }

    /**
     * What the port knows of a VM, with its controller's power state and health: {@code vm}, {@code direction},
     * {@code export}, {@code lastSync}, {@code lastResult}, {@code checkpointPending}, {@code controller},
     * {@code controllerState} and {@code health}. A VM the port has no entry for has an empty {@code export}.
     */
    ObjectNode status(String vm, String controller) throws PrimitiveException, InterruptedException;

    /**
     * Copies every disk in the VM's replication direction (source into replica, or back after a reprotect);
     * the sync succeeds and clears any checkpoint, or fails and leaves one pending.
     */
    void sync(String vm, List<Pair> disks) throws PrimitiveException, InterruptedException;
}
