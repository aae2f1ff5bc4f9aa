package dev.runbook.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.server.Server;
import dev.runbook.exec.Engine;
import dev.runbook.exec.Options;
import dev.runbook.exec.Result;
import dev.runbook.expr.Expressions;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.Primitives;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server under load (a harness, not a unit test; {@code bin/bench server}): 100 server-sent-event
 * subscribers on one run while the engine drives it, with the delivery latency of every event from the
 * moment the engine made it (its journal timestamp) to the moment each client read it; then the status
 * API's throughput under {@code wrk} on loopback.
 */
public final class ServerBench {

    private static final int SUBSCRIBERS = 100;
    private static final int STEPS = 200;
    private static final long STEP_MILLIS = 10;
    private static final double P99_BAR_MS = 50;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern AT = Pattern.compile("\"at\":\"([^\"]+)\"");


    /** The server's token: every read of the API needs it. */
    private static String bearer;

    private ServerBench() {
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args.length > 0 ? args[0] : "target/bench").toAbsolutePath();
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, "server-");
        System.out.println("bench directory: " + dir + "  (java " + Runtime.version() + ", "
                + Runtime.getRuntime().availableProcessors() + " cpus)");
        String token = dev.runbook.server.Tokens.token(dir.resolve("server.token"), t -> { });
        bearer = token;
        try (Server server = new Server(dir.resolve("journal.db"), token,
                new dev.runbook.server.Folders(Path.of("runbooks"), dir), List.of()).start("127.0.0.1", 0);
             Expressions expressions = new Expressions()) {
            String base = "http://127.0.0.1:" + server.port();
            Engine engine = new Engine(server.journal(), new Primitives().add(new Pause()), Options.defaults(null), expressions, null);
            // Warm-up: the same load on a shorter run, so that class loading and compilation are not measured.
            measure(base, engine, EngineBench.plan(100, false), SUBSCRIBERS, "bench-warm");
            Latencies l = measure(base, engine, EngineBench.plan(STEPS, false), SUBSCRIBERS, "bench-vm");
            System.out.printf(Locale.ROOT, "SSE, %d subscribers on one run:  %d events each (%d deliveries); latency from the entry's "
                    + "making (before its commit and fsync) to the client: p50 %.2f ms  p99 %.2f ms  max %.2f ms%n", SUBSCRIBERS, l.perClient, l.all.size(),
                    l.percentile(50), l.percentile(99), l.percentile(100));
            System.out.printf(Locale.ROOT, "bars: SSE p99 < %.0f ms for %d subscribers: %s%n", P99_BAR_MS, SUBSCRIBERS,
                    l.percentile(99) < P99_BAR_MS ? "PASS" : "FAIL");
            wrk(base + "/api/runs", bearer);
            wrk(base + "/api/runs/" + l.runId, bearer);
        }
    }

    private record Latencies(List<Double> all, int perClient, String runId) {
        double percentile(double p) {
            return percentile(all, p);
        }

        static double percentile(List<Double> values, double p) {
            List<Double> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }
    }

    /** Subscribes {@code clients} to every run's events, then runs the plan and collects each event's latency. */
    private static Latencies measure(String base, Engine engine, Plan template, int clients, String vm) throws Exception {
        Plan plan = new Plan(template.planVersion(), template.runbook(), template.inventory(), vm, template.operation(),
                template.lifecycle(), template.inputs(), List.of("vm:" + vm), template.prechecks(), template.steps(),
                template.finallySteps(), template.compensation(), EngineBench.bindings(vm), null, template.hash());
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch connected = new CountDownLatch(clients);
        CountDownLatch done = new CountDownLatch(clients);
        int[] counts = new int[clients];
        List<java.net.Socket> sockets = Collections.synchronizedList(new ArrayList<>());
        URI events = URI.create(base + "/api/events");
        for (int c = 0; c < clients; c++) {
            int client = c;
            // A plain socket and HTTP/1.0 (no chunking): the lightest client, so the figures are the server's.
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket socket = new java.net.Socket(events.getHost(), events.getPort())) {
                    sockets.add(socket);
                    socket.getOutputStream().write(("GET /api/events HTTP/1.0\r\nHost: " + events.getHost()
                            + "\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + bearer + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                    String line;
                    boolean counted = false;
                    while ((line = in.readLine()) != null) {
                        if (!counted && line.isEmpty()) {
                            connected.countDown(); // the response headers are in: subscribed
                            counted = true;
                        }
                        if (line.startsWith("data: ")) {
                            Instant now = Instant.now();
                            Matcher m = AT.matcher(line);
                            if (m.find()) {
                                double ms = Duration.between(Instant.parse(m.group(1)), now).toNanos() / 1e6;
                                latencies.add(ms);
                                counts[client]++;
                            }
                            if (line.contains("\"kind\":\"run\"") && line.contains("\"state\":\"completed\"")) {
                                break;
                            }
                        }
                    }
                } catch (Exception e) {
                    // a stream closed at the end
                } finally {
                    connected.countDown();
                    done.countDown();
                }
            });
        }
        if (!connected.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("subscribers did not connect");
        }
        Thread.sleep(500); // every subscriber registered with the server
        Result r = engine.start(plan, new Engine.Launch("bench.yaml", "bench-inventory.yaml", null, null));
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("subscribers did not see the run end");
        }
        for (var socket : sockets) {
            socket.close();
        }
        int min = Integer.MAX_VALUE;
        for (int n : counts) {
            min = Math.min(min, n);
        }
        return new Latencies(latencies, min, r.runId());
    }

    /** Runs wrk against {@code url} for 10 s and prints its throughput and latency. */
    static void wrk(String url, String bearer) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/wrk"))) {
            System.out.println("wrk is not installed (apt-get install wrk): status API throughput not measured");
            return;
        }
        Process p = new ProcessBuilder("wrk", "-t2", "-c32", "-d10s", "--latency", "-H",
                "Authorization: Bearer " + bearer, url).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        String rps = find(out, "Requests/sec:\\s+([0-9.]+)");
        String p50 = find(out, "\\s50%\\s+(\\S+)");
        String p99 = find(out, "\\s99%\\s+(\\S+)");
        String errors = find(out, "Non-2xx or 3xx responses: (\\d+)");
        System.out.printf(Locale.ROOT, "status API under wrk (2 threads, 32 connections, 10 s) GET %s:  %s requests/s, "
                + "latency p50 %s  p99 %s%s%n", URI.create(url).getPath(), rps, p50, p99,
                errors.isEmpty() ? "" : ", " + errors + " non-2xx");
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : "";
    }

    /** A step that takes a little time, as real steps do, so events arrive as a stream rather than a burst. */
    private static final class Pause implements Primitive {
        private static final PrimitiveSpec SPEC = new PrimitiveSpec("bench.noop", false, false, true, List.of(),
                Optional.empty(), "pause", false);

        @Override
        public PrimitiveSpec spec() {
            return SPEC;
        }

        @Override
        public JsonNode apply(Call call) throws InterruptedException {
            Thread.sleep(STEP_MILLIS);
            return JsonNodeFactory.instance.objectNode();
        }
    }
}
