package dev.runbook.primitive;

import static dev.runbook.primitive.PrimitiveSpec.ParamSpec.required;

import dev.runbook.primitive.PrimitiveSpec.ParamSpec;
import dev.runbook.primitive.PrimitiveSpec.Type;
import java.util.List;

/**
 * The replication family: the target-side export, syncs in either direction, the direction itself, the
 * controller's return to replication mode, and the sync-state and controller-health probes.
 */
public final class ReplicationSpecs {

    private static final ParamSpec VM = required("vm", Type.STRING, "The protected VM's name from the inventory.");

    public static final PrimitiveSpec STOP_EXPORT = PrimitiveSpec.action("replication.stop-export", true,
            "replication.start-export", "stop the target-side replication export of {vm}", VM);

    public static final PrimitiveSpec START_EXPORT = PrimitiveSpec.action("replication.start-export", true,
            "replication.stop-export", "start the target-side replication export of {vm}", VM);

    public static final PrimitiveSpec FINAL_SYNC = PrimitiveSpec.action("replication.final-sync", true, null,
            "run a final sync of {vm} from the powered-off source into the replica", VM);

    public static final PrimitiveSpec SET_DIRECTION = PrimitiveSpec.action("replication.set-direction", true,
            "replication.restore-direction",
            "make {vm} replicate {direction} (forward: protected to recovery site; reverse: back)", VM,
            required("direction", Type.STRING, "forward or reverse."));

    public static final PrimitiveSpec RESTORE_DIRECTION = PrimitiveSpec.action("replication.restore-direction", true,
            null, "restore the replication direction and sync record of {vm} from before the change", VM,
            required("previous", Type.STRING, "The direction and sync record recorded by set-direction."));

    public static final PrimitiveSpec SYNC = PrimitiveSpec.action("replication.sync", true, null,
            "sync {vm} in its replication direction while the sending VM runs", VM);

    public static final PrimitiveSpec REVERSE_SYNC = PrimitiveSpec.action("replication.reverse-sync", true, null,
            "run a final reverse sync of {vm} from the stopped recovered VM into the protected site's disks", VM);

    public static final PrimitiveSpec CONTROLLER_MODE = PrimitiveSpec.action("replication.controller-mode", true,
            null, "return the controller of {vm} to replication mode: its definition from before failover (left off)",
            VM);

    public static final PrimitiveSpec SYNC_STATE = PrimitiveSpec.probe("replication.sync-state",
            "read the direction, last sync time, result, checkpoint, export and controller mode of {vm}", VM);

    public static final PrimitiveSpec CONTROLLER_HEALTH = PrimitiveSpec.probe("controller.health",
            "read the health of the controller of {vm}", VM);

    public static final PrimitiveSpec VERIFY_RESUMED = PrimitiveSpec.action("replication.verify-resumed", false,
            null, "check that replication of {vm} runs again: export active, controller in replication mode and "
                    + "running, last sync succeeded with no checkpoint pending", VM);

    static final List<PrimitiveSpec> ALL = List.of(STOP_EXPORT, START_EXPORT, FINAL_SYNC, SET_DIRECTION,
            RESTORE_DIRECTION, SYNC, REVERSE_SYNC, CONTROLLER_MODE, SYNC_STATE, CONTROLLER_HEALTH, VERIFY_RESUMED);

    private ReplicationSpecs() {
    }
}
