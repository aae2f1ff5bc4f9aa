package dev.runbook.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.app.Ended;
import dev.runbook.app.Reporter;
import dev.runbook.app.Runs;
import dev.runbook.model.Diagnostic;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.SitePlan;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /api/runs} with a {@code plan}: a recovery plan from the server's recovery-plans folder over one of
 * its inventories, bound and checked before anything starts, admitted whole or refused (409, nothing changed),
 * then driven in the background like {@code runbook run PLAN}.
 */
final class PlanStarts {

    static final Set<String> FIELDS = Set.of("plan", "inventory", "onlyReady");

    private static final ObjectMapper JSON = new ObjectMapper();

    private PlanStarts() {
    }

    /** The answer to the request: the plan run's id and where to follow it. */
    static ObjectNode start(Runs runs, Folders folders, JsonNode body, Reporter reporter) throws InterruptedException {
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new Server.Failure(400, "unknown field '" + name + "'; a recovery plan takes " + List.copyOf(FIELDS),
                        "/" + name);
            }
        }
        Path planFile = folders.recoveryPlan(Server.text(body, "plan"));
        Path inventory = folders.inventory(Server.text(body, "inventory"));
        JsonNode onlyReady = body.path("onlyReady");
        if (!onlyReady.isMissingNode() && !onlyReady.isBoolean()) {
            throw new Server.Failure(400, "'onlyReady' must be true or false", "/onlyReady");
        }
        Pipeline pipeline = new Pipeline();
        SitePlan plan;
        try {
            plan = Planning.bounded(() -> bind(pipeline, planFile, inventory, folders.runbooks()));
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
        CompletableFuture<String> admitted = new CompletableFuture<>();
        Thread.ofVirtual().name("plan-" + plan.recoveryPlan().name()).start(() -> {
            try (pipeline) {
                Ended ended = runs.startPlan(plan, planFile, inventory, pipeline.expressions(), onlyReady.asBoolean(false),
                        admitted::complete, reporter);
                if (!admitted.isDone()) {
                    admitted.completeExceptionally(new Server.Failure(409, "refused: " + ended.message()));
                }
            } catch (RuntimeException e) {
                admitted.completeExceptionally(e);
            }
        });
        try {
            String id = admitted.get(60, TimeUnit.SECONDS);
            return JSON.createObjectNode().put("id", id).put("plan", plan.recoveryPlan().name())
                    .put("vms", plan.vms().size()).put("events", "/api/runs/" + id + "/events")
                    .put("status", "/api/runs/" + id);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Server.Failure f ? f
                    : new Server.Failure(500, "the plan could not start: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new Server.Failure(500, "the plan was not admitted within 60 s");
        }
    }

    private static SitePlan bind(Pipeline pipeline, Path planFile, Path inventory, Path runbooks) {
        var loaded = pipeline.recoveryPlan(planFile, inventory, runbooks, null);
        List<Diagnostic> errors = loaded.diagnostics().stream()
                .filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList();
        if (!errors.isEmpty() || loaded.value().isEmpty()) {
            Diagnostic first = errors.isEmpty() ? null : errors.get(0);
            throw new Server.Failure(400, "the recovery plan or inventory is invalid: "
                    + (first == null ? "no plan" : first.message())
                    + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""),
                    first == null ? null : first.span().toString());
        }
        return loaded.value().get();
    }
}
