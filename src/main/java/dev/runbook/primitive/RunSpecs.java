package dev.runbook.primitive;

import static dev.runbook.primitive.PrimitiveSpec.ParamSpec.required;

import dev.runbook.primitive.PrimitiveSpec.ParamSpec;
import dev.runbook.primitive.PrimitiveSpec.Type;
import java.util.List;

/** The primitives that act on runs rather than sites: the engine implements them, no site adapter does. */
public final class RunSpecs {

    private static final ParamSpec VM = required("vm", Type.STRING, "The protected VM's name from the inventory.");

    public static final PrimitiveSpec LOCKS_ACTIVE = PrimitiveSpec.probe("locks.active",
            "list operation locks held on {vm} by other runs", VM);

    public static final PrimitiveSpec FAILOVER_UNDO = PrimitiveSpec.action("failover.undo", true, null,
            "undo failover run {run} of {vm}: its recorded compensations, in reverse order", VM,
            required("run", Type.STRING, "The id of the failover run to undo."));

    static final List<PrimitiveSpec> ALL = List.of(LOCKS_ACTIVE, FAILOVER_UNDO);

    private RunSpecs() {
    }
}
