package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One executable primitive. The executor knows primitives only through this interface; what a
 * primitive acts on (a libvirt site, a disk, a replication port) is its own business.
 *
 * <p>Implementations must honour thread interruption: a step timeout interrupts the calling thread and
 * the call must stop promptly, leaving the site in a state {@link #observe} can read.
 */
public interface Primitive {

    /** What this primitive declares: name, parameters, whether it mutates, its default undo. */
    PrimitiveSpec spec();

    /**
     * Performs the call and returns its result as a JSON object. The result is journaled and handed to
     * the step's compensation as {@code result}, so it must hold whatever the undo needs (for example
     * the definition before the change).
     *
     * @throws PrimitiveException when the call failed; the message names what failed and why
     * @throws InterruptedException when cancelled by a timeout
     */
    JsonNode apply(Call call) throws PrimitiveException, InterruptedException;

    /**
     * Tells, after a crash or an error of unknown effect, whether the given call took effect. Used by
     * resume and by compensation so that a mutation is never applied twice and never undone when it
     * did not happen. The default cannot tell.
     */
    default Observation observe(Call call) throws PrimitiveException, InterruptedException {
        return new Observation.Unknown(spec().name() + " cannot tell whether an earlier call took effect");
    }
}
