package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Hashes;
import dev.runbook.primitive.GuestReports;
import dev.runbook.primitive.StateFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A guest's remediation report through the progress endpoint. It is accepted only for the run that
 * staged the VM's remediation, with the one-time token that run staged into the disk (the site keeps only
 * its hash); once a final status is in, the token is spent. What it records is what
 * {@code remediation.await-status} waits for. Front ends reach it as the site's
 * {@link dev.runbook.primitive.GuestReports}, from {@link LibvirtAdapter#reports}.
 */
final class RemediationReports {

    private static final Set<String> STATUSES = Set.of("running", "awaiting-reboot", "succeeded", "partial", "failed");
    /** What a presented token's hash is compared with when no token is staged: no hash of any token. */
    private static final String NONE = "-".repeat(64);

    private RemediationReports() {
    }

    /**
     * Records the report when {@code token} is the one {@code run} staged for {@code vm}. Every refusal does the
     * same work (the presented token is hashed and compared, against a stand-in when nothing is staged) and
     * writes nothing.
     */
    static GuestReports.Verdict accept(SiteRef site, String vm, String run, String token, JsonNode report) {
        byte[] presented = Hashes.sha256(token).getBytes(StandardCharsets.UTF_8);
        StateFile file = StateFile.at(site.state()).vm(vm);
        try (StateFile.Hold ignored = file.lock()) {
            ObjectNode state = file.read();
            JsonNode entry = state.path("remediation").path(vm);
            String expected = run.equals(entry.path("run").asText(null)) ? entry.path("tokenSha256").asText("") : "";
            boolean issued = !expected.isEmpty();
            boolean matches = MessageDigest.isEqual(presented, (issued ? expected : NONE).getBytes(StandardCharsets.UTF_8));
            if (!issued || !matches) {
                return new GuestReports.Refused();
            }
            Optional<String> invalid = invalid(report);
            if (invalid.isPresent()) {
                return new GuestReports.Invalid(invalid.get());
            }
            record((ObjectNode) entry, report, "endpoint");
            if (dev.runbook.primitive.RemediationOutcome.FINAL.contains(report.path("status").asText())) {
                ((ObjectNode) entry).remove("tokenSha256");
            }
            file.write(state);
            return new GuestReports.Accepted();
        }
    }

    /** Why a report cannot be recorded, if it cannot. */
    private static Optional<String> invalid(JsonNode report) {
        if (!report.isObject()) {
            return Optional.of("invalid report: the body must be a JSON object");
        }
        if (!STATUSES.contains(report.path("status").asText(""))) {
            return Optional.of("invalid report: 'status' must be one of " + STATUSES);
        }
        if (report.has("actions") && !report.get("actions").isArray()) {
            return Optional.of("invalid report: 'actions' must be a list");
        }
        return Optional.empty();
    }

    /** Puts a status seen (reported, read from the disk, or the deadline's) into the VM's entry. */
    static void record(ObjectNode entry, JsonNode status, String source) {
        entry.put("status", status.path("status").asText()).put("source", source).put("updated", Instant.now().toString());
        for (String field : java.util.List.of("stage", "reason")) {
            if (status.has(field)) {
                entry.put(field, status.get(field).asText());
            }
        }
        if (status.has("actions")) {
            entry.set("actions", status.get("actions").deepCopy());
        }
    }
}
