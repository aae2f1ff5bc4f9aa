package dev.runbook.primitive;

/** A primitive call failed; the message says what, on which object, and why. */
public final class PrimitiveException extends Exception {

    public PrimitiveException(String message) {
        super(message);
    }

    public PrimitiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
