package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where the guests recovered on one site report their remediation through the progress endpoint. What it
 * records is what {@code remediation.await-status} waits for.
 */
public interface GuestReports {

    /**
     * Records a guest's report on {@code vm}'s remediation in run {@code run}. It is accepted only for the run
     * that staged the VM's remediation, with the one-time token that run staged into its disk; once a final
     * status is in, the token is spent. The token is checked before the report is read, so that only the
     * guest holding it learns anything, even that its report is malformed.
     *
     * @param token  the bearer token the guest presented
     * @param report the report: {@code status}, and optionally {@code stage}, {@code reason}, {@code actions};
     *               a missing node when the body could not be read
     */
    Verdict accept(String vm, String run, String token, JsonNode report);

    /** What became of a report. */
    sealed interface Verdict {
    }

    /** Recorded. */
    record Accepted() implements Verdict {
    }

    /**
     * Not taken, for whichever reason: no such run, nothing staged for the VM by it, a token spent, wrong or
     * missing. The reason is not given, so that a refusal says nothing about what the site holds.
     */
    record Refused() implements Verdict {
    }

    /** Presented with the right token but malformed: {@code reason} says what is wrong with the report. */
    record Invalid(String reason) implements Verdict {
    }
}
