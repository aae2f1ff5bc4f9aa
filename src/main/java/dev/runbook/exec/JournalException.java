package dev.runbook.exec;

/** The journal could not be read or written: nothing further may be done, since nothing may go unrecorded. */
public final class JournalException extends RuntimeException {

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
