package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Where the guests recovered on one site report their remediation through the progress endpoint. What it
 * records is what {@code remediation.await-status} waits for.
 */
public interface GuestReports {

    /**
     * Records a guest's report on {@code vm}'s remediation in run {@code run}. It is accepted only for the run
     * that staged the VM's remediation, with the one-time token that run staged into its disk; once a final
     * status is in, the token is spent.
     *
     * @param token  the bearer token the guest presented
     * @param report the report: {@code status}, and optionally {@code stage}, {@code reason}, {@code actions}
     * @return empty when accepted, else why not; a reason starting with {@code invalid} means a malformed report
     */
    Optional<String> accept(String vm, String run, String token, JsonNode report);
}
