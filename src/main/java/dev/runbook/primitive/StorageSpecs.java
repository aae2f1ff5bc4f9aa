package dev.runbook.primitive;

import static dev.runbook.primitive.PrimitiveSpec.ParamSpec.required;

import dev.runbook.primitive.PrimitiveSpec.ParamSpec;
import dev.runbook.primitive.PrimitiveSpec.Type;
import java.util.List;

/** The storage family: rollback snapshots of replica disks, their revert and deletion, and disk readiness. */
public final class StorageSpecs {

    private static final ParamSpec DISKS = required("disks", Type.LIST, "Paths of the replica disk images.");
    private static final ParamSpec NAME = required("name", Type.STRING, "The snapshot name.");

    public static final PrimitiveSpec SNAPSHOT = PrimitiveSpec.action("storage.snapshot", true, "storage.revert",
            "take rollback snapshot {name} of {disks}", DISKS, NAME);

    public static final PrimitiveSpec REVERT = PrimitiveSpec.action("storage.revert", true, null,
            "revert {disks} to snapshot {name}, then delete it", DISKS, NAME);

    public static final PrimitiveSpec DELETE_SNAPSHOT = PrimitiveSpec.action("storage.delete-snapshot", true, null,
            "delete snapshot {name} of {disks}", DISKS, NAME);

    public static final PrimitiveSpec READINESS = PrimitiveSpec.probe("storage.readiness",
            "check that replica disks {disks} exist, are qcow2 and consistent", DISKS);

    static final List<PrimitiveSpec> ALL = List.of(SNAPSHOT, REVERT, DELETE_SNAPSHOT, READINESS);

    private StorageSpecs() {
    }
}
