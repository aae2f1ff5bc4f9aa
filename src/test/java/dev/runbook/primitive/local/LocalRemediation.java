package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Hashes;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.RemediationOutcome;
import dev.runbook.primitive.RemediationSpecs;
import java.util.List;
import java.util.Optional;

/**
 * The guest remediation family on a local site. A disk's content stands for its filesystem, so adapting
 * and staging append marks to it; a local site has no guests, so reports arrive via
 * {@link LocalSite#report}.
 */
final class LocalRemediation extends LocalPrimitive {


    /** What one primitive of the family does. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(LocalRemediation self, Call call) throws PrimitiveException, InterruptedException;
    }

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new LocalRemediation(RemediationSpecs.ADAPT, LocalRemediation::adapt),
                new LocalRemediation(RemediationSpecs.STAGE, LocalRemediation::stage),
                new LocalRemediation(RemediationSpecs.AWAIT_STATUS, LocalRemediation::awaitStatus));
    }

    private final Body body;

    private LocalRemediation(PrimitiveSpec spec, Body body) {
        super(spec);
        this.body = body;
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call);
    }

    private JsonNode adapt(Call call) throws PrimitiveException {
        vm(call);
        String path = text(call, "disk");
        String profile = text(call, "profile");
        Site site = recovery(call);
        return mutate(call, state -> {
            append(LocalStorage.disk(state, path, site), "adapted:" + profile);
            return object().put("disk", path).put("profile", profile);
        });
    }

    private JsonNode stage(Call call) throws PrimitiveException {
        String vm = vm(call).path("name").asText();
        String path = text(call, "disk");
        // The engine passes the rendered scripts when it has them; the bare file list is the fallback.
        JsonNode files = call.params().has("scripts") ? call.params().get("scripts") : call.params().path("files");
        Site site = recovery(call);
        return mutate(call, state -> {
            ObjectNode disk = LocalStorage.disk(state, path, site);
            ObjectNode entry = LocalSite.section(state, "remediation").putObject(vm).put("status", "scheduled");
            entry.putArray("actions");
            ArrayNode staged = entry.putArray("staged");
            ArrayNode paths = object().arrayNode();
            for (JsonNode file : files) {
                String sha256 = file.has("sha256") ? file.get("sha256").asText() : Hashes.sha256(file.toString());
                append(disk, "staged:" + file.path("path").asText() + ":" + sha256);
                staged.addObject().put("path", file.path("path").asText()).put("sha256", sha256);
                paths.add(file.path("path").asText());
            }
            return object().set("staged", paths);
        });
    }

    private JsonNode awaitStatus(Call call) throws PrimitiveException, InterruptedException {
        String vm = vm(call).path("name").asText();
        Site site = recovery(call);
        String deadline = call.params().path("deadline").asText("10m");
        Optional<JsonNode> report = await(duration(call, "deadline", "10m"), () -> {
            JsonNode entry = site.local().read().path("remediation").path(vm);
            boolean over = entry.isMissingNode() || RemediationOutcome.FINAL.contains(entry.path("status").asText());
            return over ? Optional.of(entry) : Optional.empty();
        });
        if (report.isEmpty()) {
            return RemediationOutcome.noReport(call, vm, "no report by the deadline of " + deadline);
        }
        return RemediationOutcome.conclude(call, vm, report.get());
    }



    private static void append(ObjectNode disk, String mark) {
        disk.put("content", disk.path("content").asText() + "\n" + mark);
    }
}
