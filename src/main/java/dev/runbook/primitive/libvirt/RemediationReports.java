package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Hashes;
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
    

    private RemediationReports() {
    }

    /** Records the report; empty when accepted, else why not ("invalid ..." for a malformed body). */
    static Optional<String> accept(SiteRef site, String vm, String run, String token, JsonNode report) {
        String status = report.path("status").asText("");
        if (!STATUSES.contains(status)) {
            return Optional.of("invalid report: 'status' must be one of " + STATUSES);
        }
        if (report.has("actions") && !report.get("actions").isArray()) {
            return Optional.of("invalid report: 'actions' must be a list");
        }
        return StateFile.at(site.state()).change(state -> {
            ObjectNode entry = (ObjectNode) StateFile.section(state, "remediation").get(vm);
            if (entry == null || !run.equals(entry.path("run").asText())) {
                return Optional.of("run " + run + " staged no remediation for " + vm);
            }
            String expected = entry.path("tokenSha256").asText("");
            if (expected.isEmpty()) {
                return Optional.of("the report token of run " + run + " for " + vm + " is spent or was never issued");
            }
            byte[] presented = Hashes.sha256(token).getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(presented, expected.getBytes(StandardCharsets.UTF_8))) {
                return Optional.of("the token is not the one run " + run + " staged for " + vm);
            }
            record(entry, report, "endpoint");
            if (dev.runbook.primitive.RemediationOutcome.FINAL.contains(status)) {
                entry.remove("tokenSha256");
            }
            return Optional.<String>empty();
        });
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
