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

    /**
     * A line in the run's timeline: changes nothing, so it needs no undo, and its message (often an
     * expression over the run) is journaled as the step's result.
     */
    public static final PrimitiveSpec RUN_NOTE = PrimitiveSpec.action("run.note", false, null, "note: {message}",
            required("message", Type.STRING, "What to record in the run's journal, for the operators reading it."));

    static final List<PrimitiveSpec> ALL = List.of(LOCKS_ACTIVE, FAILOVER_UNDO, RUN_NOTE);

    private RunSpecs() {
    }
}
