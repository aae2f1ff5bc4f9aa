package dev.runbook.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Journal;
import dev.runbook.exec.RecoveryRun;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunView;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Durations;
import dev.runbook.model.Operation;
import dev.runbook.plan.SitePlan;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The readiness gates of a recovery plan's VMs, polled until they pass or their timeout ends, and the rollback
 * of a VM that did not become ready. A failed gate says what it saw last: the evidence.
 */
final class Readiness implements RecoveryRun.Readiness {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Set<String> FINAL = Set.of("succeeded", "partial", "failed", "not-needed");

    private final Journal journal;
    private final Expressions expressions;
    private final Runs runs;
    private final Reporter reporter;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    Readiness(Journal journal, Expressions expressions, Runs runs, Reporter reporter) {
        this.journal = journal;
        this.expressions = expressions;
        this.runs = runs;
        this.reporter = reporter;
    }

    /** One poll of a gate: empty while it has not passed, with what it saw. */
    @FunctionalInterface
    private interface Poll {
        Optional<String> failing() throws InterruptedException;
    }

    @Override
    public Optional<String> await(SitePlan.Vm vm, SitePlan.Gate gate, String runId) throws InterruptedException {
        Duration timeout = Durations.parse(gate.timeout());
        if (gate.kind().equals("delay")) {
            Thread.sleep(timeout.toMillis());
            return Optional.empty();
        }
        Poll poll = switch (gate.kind()) {
            case "tcp" -> () -> tcp(vm, gate.spec());
            case "http" -> () -> http(gate.spec());
            case "remediation" -> () -> remediation(runId, gate.spec().path("require").asText("final"));
            case "expression" -> () -> expression(vm, gate.spec().asText(), runId);
            default -> () -> Optional.of("unknown gate " + gate.kind());
        };
        long end = System.nanoTime() + timeout.toNanos();
        Optional<String> last;
        do {
            last = poll.failing();
            if (last.isEmpty()) {
                return last;
            }
            if (last.get().startsWith("final: ")) {
                return Optional.of(last.get().substring("final: ".length()));
            }
            Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        } while (System.nanoTime() < end);
        return Optional.of("not passed within " + gate.timeout() + "; last seen: " + last.get());
    }

    private Optional<String> tcp(SitePlan.Vm vm, JsonNode spec) {
        String host = spec.has("host") ? spec.get("host").asText() : firstAddress(vm);
        if (host == null) {
            return Optional.of("final: vm " + vm.vm() + " has no captured static IPv4 to connect to; give the gate a host");
        }
        int port = spec.path("port").asInt();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("tcp " + host + ":" + port + ": " + e.getMessage());
        }
    }

    private static String firstAddress(SitePlan.Vm vm) {
        for (JsonNode nic : vm.plan().bindings().get("vm").path("nics")) {
            if (nic.path("ipv4").isObject()) {
                return nic.path("ipv4").path("address").asText();
            }
        }
        return null;
    }

    private Optional<String> http(JsonNode spec) throws InterruptedException {
        String url = spec.path("url").asText();
        try {
            int status = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            boolean ok = spec.has("status") ? status == spec.get("status").asInt() : status / 100 == 2;
            return ok ? Optional.empty() : Optional.of("GET " + url + " answered " + status);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.of("GET " + url + ": " + e.getMessage());
        }
    }

    private Optional<String> remediation(String runId, String require) {
        Optional<ObjectNode> status = Status.remediation(RunView.of(journal, runId));
        String s = status.map(o -> o.path("status").asText()).orElse("not-needed");
        String detail = status.map(o -> o.path("detail").asText("")).orElse("");
        if (!FINAL.contains(s)) {
            return Optional.of("remediation is " + s + (detail.isEmpty() ? "" : " (" + detail + ")"));
        }
        if (require.equals("succeeded") && !s.equals("succeeded") && !s.equals("not-needed")) {
            return Optional.of("final: remediation ended " + s + (detail.isEmpty() ? "" : " (" + detail + ")"));
        }
        return Optional.empty();
    }

    private Optional<String> expression(SitePlan.Vm vm, String expression, String runId) {
        RunView view = RunView.of(journal, runId);
        ObjectNode run = JsonNodeFactory.instance.objectNode();
        run.put("id", runId).put("state", journal.run(runId).map(RunRecord::state).orElse(""));
        ObjectNode steps = run.putObject("steps");
        view.steps().values().forEach(i -> {
            ObjectNode s = steps.putObject(i.id()).put("state", i.state());
            if (i.result() != null) {
                s.set("result", i.result());
            }
        });
        try {
            boolean ok;
            synchronized (expressions) {
                ok = expressions.test(expression, Map.of("vm", vm.plan().bindings().get("vm"), "run", run));
            }
            return ok ? Optional.empty() : Optional.of(expression + " is false (run.state is " + run.path("state").asText()
                    + ")");
        } catch (Expressions.EvaluationException e) {
            return Optional.of("final: " + expression + " " + e.getMessage());
        }
    }

    @Override
    public Optional<String> rollBack(String runId) {
        Ended ended = runs.decide(runId, Operation.Outcome.ROLLBACK, "recovery plan", null, false, reporter);
        int code = ended.exitCode();
        return code == ExitCodes.OK ? Optional.empty() : Optional.of(ended.message());
    }
}
