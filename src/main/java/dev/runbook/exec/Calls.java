package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.model.Durations;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** Calls a primitive under a timeout that really cancels it: the call's thread is interrupted and awaited. */
final class Calls {

    /** The call ran past its timeout and was cancelled. */
    static final class TimedOut extends Exception {
        TimedOut(String message) {
            super(message, null, false, false);
        }
    }

    private Calls() {
    }

    static JsonNode apply(Primitive p, Call call, Duration timeout, Duration grace)
            throws PrimitiveException, InterruptedException, TimedOut {
        if (timeout == null) {
            return p.apply(call);
        }
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread worker = Thread.ofVirtual().name(call.key()).start(() -> {
            try {
                outcome.set(p.apply(call));
            } catch (PrimitiveException | InterruptedException | RuntimeException e) {
                outcome.set(e);
            }
        });
        try {
            if (!worker.join(timeout)) {
                worker.interrupt();
                if (!worker.join(grace)) {
                    throw new TimedOut(p.spec().name() + " timed out after " + Durations.format(timeout)
                            + " and did not stop within " + Durations.format(grace) + " of being cancelled");
                }
                if (!(outcome.get() instanceof JsonNode)) {
                    throw new TimedOut(p.spec().name() + " timed out after " + Durations.format(timeout) + " and was cancelled");
                }
            }
        } catch (InterruptedException e) {
            worker.interrupt();
            worker.join(grace);
            throw e;
        }
        Object o = outcome.get();
        if (o instanceof JsonNode n) {
            return n;
        }
        if (o instanceof PrimitiveException e) {
            throw e;
        }
        if (o instanceof InterruptedException) {
            throw new PrimitiveException(p.spec().name() + " was interrupted");
        }
        throw new PrimitiveException(p.spec().name() + " failed: " + o);
    }
}
