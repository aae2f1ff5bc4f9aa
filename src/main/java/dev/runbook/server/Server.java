package dev.runbook.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.app.ExitCodes;
import dev.runbook.app.Ended;
import dev.runbook.app.Reporter;
import dev.runbook.app.RunDetails;
import dev.runbook.app.Runs;
import dev.runbook.app.SiteAdapters;
import dev.runbook.app.Status;
import dev.runbook.exec.Engine;
import dev.runbook.exec.Entry;
import dev.runbook.exec.Journal;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Operation;
import dev.runbook.plan.JsonPreview;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import dev.runbook.primitive.GuestReports;
import dev.runbook.primitive.PrimitiveException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;

/**
 * The HTTP surface over the same journal and engine as the CLI: a JSON API (runs, one run, VMs and
 * locks, the plan preview, starting a run, commit and rollback), server-sent events for one run or all
 * runs with replay from {@code Last-Event-ID}, the guests' remediation reports, and the page.
 *
 * <p>Every mutating call needs the server's bearer token; reads do not (an {@code EventSource} cannot
 * send headers). A guest's report needs its run's one-time token instead. Errors are JSON with a
 * message, and a location for bad input; no stack trace leaves the server.
 */
public final class Server implements AutoCloseable {

    static final long MAX_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> START_FIELDS = Set.of("runbook", "inventory", "vm", "inputs");
    /** What anyone may read: the page is static, and says nothing about the site until given the token. */
    private static final Set<String> PUBLIC = Set.of("/api/health", "/api/openapi.json");
    /** The one answer to a guest's report that is not taken, whatever the reason. */
    static final String REPORT_REFUSED = "report refused";

    private final SqliteJournal journal;
    private final String token;
    private final Broadcaster events;
    private final Path journalFile;
    private final Runs runs;
    private final RunDetails details;
    private final Folders folders;
    private final Hosts hosts;
    private final String page;
    private final String contentPolicy;
    private final String openApi;
    private Javalin app;

    /**
     * A server over the journal in {@code journalFile}, that plans from {@code folders} and answers the
     * {@code Host} names in {@code allowedHosts} besides IP addresses and localhost.
     */
    public Server(Path journalFile, String token, Folders folders, java.util.Collection<String> allowedHosts)
            throws IOException {
        this.folders = folders;
        this.hosts = new Hosts(Set.copyOf(allowedHosts));
        this.page = resource("serve/index.html");
        this.contentPolicy = contentPolicy(page);
        this.openApi = resource("serve/openapi.json");
        this.journal = SqliteJournal.open(journalFile);
        this.details = new RunDetails(journal);
        this.token = token;
        this.journalFile = journalFile;
        this.runs = new Runs(journal, journalFile);
        this.events = new Broadcaster(journal);
    }

    /** Serves plain HTTP on {@code host}:{@code port} (0 picks a free port). */
    public Server start(String host, int port) {
        return start(host, port, Optional.empty());
    }

    /** Serves HTTPS only on {@code host}:{@code port}, presenting {@code identity}. */
    public Server start(String host, int port, TlsIdentity identity) {
        return start(host, port, Optional.of(identity));
    }

    private Server start(String host, int port, Optional<TlsIdentity> tls) {
        app = Javalin.create(cfg -> {
            tls.ifPresent(identity -> cfg.jetty.addConnector((server, http) -> httpsOnly(server, http, identity, host, port)));
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = MAX_BODY;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jsonMapper(new io.javalin.json.JavalinJackson(JSON, true));
            var r = cfg.routes;
            r.before(ctx -> {
                ctx.header("X-Frame-Options", "DENY").header("X-Content-Type-Options", "nosniff")
                        .header("Referrer-Policy", "no-referrer").header("Content-Security-Policy", contentPolicy);
                if (!hosts.accepts(ctx.header("Host"))) {
                    throw new Failure(421, "this server answers requests to its IP address, localhost, or a name given"
                            + " with --allowed-host; not to '" + printable(ctx.header("Host")) + "'");
                }
            });
            r.before("/api/*", ctx -> {
                if (PUBLIC.contains(ctx.path()) || ctx.path().matches("/api/runs/[^/]+/remediation/[^/]+")) {
                    return; // a guest's report carries its run's one-time token instead
                }
                boolean stream = ctx.path().endsWith("/events") && ctx.method().name().equals("GET");
                String header = ctx.header("Authorization");
                if (header == null && stream && ctx.queryParam("token") != null) {
                    header = "Bearer " + ctx.queryParam("token"); // an EventSource cannot send headers
                }
                if (!Tokens.authorized(header, token)) {
                    throw new Failure(401, "send the server's token as 'Authorization: Bearer <token>' (event streams:"
                            + " ?token=<token>); it was shown once when the server first started, and is in its token file");
                }
            });
            r.get("/", ctx -> ctx.html(page));
            r.get("/api/health", ctx -> ctx.json(JSON.createObjectNode().put("ok", true)));
            r.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
            r.get("/api/runs", ctx -> ctx.json(Status.overview(journal)));
            r.get("/api/runs/{id}", ctx -> ctx.contentType("application/json").result(details.json(ctx.pathParam("id"))
                    .orElseThrow(() -> new Failure(404, "there is no run " + ctx.pathParam("id")
                            + "; GET /api/runs lists runs"))));
            r.get("/api/vms", this::vms);
            r.get("/api/plan", this::plan);
            r.post("/api/runs", this::startRun);
            r.post("/api/runs/{id}/commit", ctx -> decide(ctx, Operation.Outcome.COMMIT));
            r.post("/api/runs/{id}/rollback", ctx -> decide(ctx, Operation.Outcome.ROLLBACK));
            r.post("/api/runs/{id}/remediation/{vm}", this::report);
            r.sse("/api/events", client -> events.subscribe(client, null));
            r.sse("/api/runs/{id}/events", client -> events.subscribe(client, client.ctx().pathParam("id")));
            r.exception(Failure.class, (e, ctx) -> error(ctx, e.status, e.getMessage(), e.location));
            r.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage(), null));
            r.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")), null));
        }).start(host, port);
        events.start();
        resumeInterrupted();
        watchDecisionWindows();
        return this;
    }

    /** The one connector of a server with TLS: HTTP/1.1 inside TLS, and nothing in clear on its port. */
    private static Connector httpsOnly(org.eclipse.jetty.server.Server server, HttpConfiguration http,
            TlsIdentity identity, String host, int port) {
        var https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer());
        var connector = new ServerConnector(server,
                new SslConnectionFactory(identity.sslContextFactory(), "http/1.1"),
                new HttpConnectionFactory(https));
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }

    /**
     * Runs the journal shows under way (running or compensating) that no process drives any more: a
     * server (or CLI) that died mid-run. Each is resumed in the background, as {@code runbook resume}
     * would; one that another process still drives is left to it (its driver lock refuses).
     */
    private void resumeInterrupted() {
        for (RunRecord listed : journal.runsWithoutPlans()) {
            if (!listed.state().equals("running") && !listed.state().equals("compensating")) {
                continue;
            }
            RunRecord r = journal.run(listed.id()).orElseThrow();
            Thread.ofVirtual().name("resume-" + r.id()).start(() -> {
                try (Pipeline pipeline = new Pipeline()) {
                    runs.engine(Engine.plan(r), pipeline.expressions(), null).resume(r.id());
                } catch (PrimitiveException | RuntimeException e) {
                    journal.write(List.of(Entry.of(r.id(), Entry.Kind.NOTE, null, "resume-failed",
                            JSON.createObjectNode().put("message", "the server could not resume run " + r.id()
                                    + ": " + e.getMessage() + "; run `runbook resume " + r.id() + "`"))));
                }
            });
        }
    }

    /** How often the server looks for decision windows that passed (milliseconds). */
    private final long windowPollMillis = Long.getLong("runbook.windowPollMillis", 5_000);

    /**
     * A real timer for decision windows: a window that passes is acted on when it passes (a rollback where
     * its policy says so, else a reminder), not when the run is next touched.
     */
    private void watchDecisionWindows() {
        windows = Thread.ofVirtual().name("decision-windows").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(windowPollMillis);
                    runs.actOnPassedWindows(Reporter.NONE);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the journal is busy or the site unreachable: the next tick tries again
                }
            }
        });
    }

    private Thread windows;

    public int port() {
        return app.port();
    }

    /** The journal this server drives runs on; its writes reach subscribers at once. */
    public Journal journal() {
        return journal;
    }

    @Override
    public void close() {
        if (windows != null) {
            windows.interrupt();
        }
        events.stop();
        if (app != null) {
            app.stop();
        }
        journal.close();
    }

    // ------------------------------------------------------------------------------------------ reads

    private RunRecord run(String id) {
        return journal.run(id).orElseThrow(() -> new Failure(404, "there is no run " + id + "; GET /api/runs lists runs"));
    }

    private void vms(Context ctx) {
        ObjectNode o = Status.overview(journal);
        o.remove("runs");
        ctx.json(o);
    }

    private void plan(Context ctx) {
        String runbook = required(ctx.queryParam("runbook"), "runbook");
        String inventory = required(ctx.queryParam("inventory"), "inventory");
        String vm = required(ctx.queryParam("vm"), "vm");
        Map<String, String> inputs = new LinkedHashMap<>();
        ctx.queryParamMap().forEach((k, v) -> {
            if (k.startsWith("set.") && !v.isEmpty()) {
                inputs.put(k.substring(4), v.get(0));
            }
        });
        Path runbookFile = folders.runbook(runbook);
        Path inventoryFile = folders.inventory(inventory);
        String json = Planning.bounded(() -> {
            try (Pipeline pipeline = new Pipeline()) {
                return JsonPreview.render(planned(pipeline, runbookFile, inventoryFile, vm, inputs));
            }
        });
        ctx.contentType("application/json").result(json);
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new Failure(400, "query parameter '" + name + "' is required", name);
        }
        return value;
    }

    private static Plan planned(Pipeline pipeline, Path runbook, Path inventory, String vm, Map<String, String> inputs) {
        var loaded = pipeline.plan(runbook, inventory, new Planner.Request(vm, inputs), null);
        List<Diagnostic> errors = loaded.diagnostics().stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList();
        if (!errors.isEmpty() || loaded.value().isEmpty()) {
            Diagnostic first = errors.isEmpty() ? null : errors.get(0);
            throw new Failure(400, "the runbook or inventory is invalid: " + (first == null ? "no plan" : first.message())
                    + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""),
                    first == null ? null : first.span().toString());
        }
        return loaded.value().get();
    }

    // ------------------------------------------------------------------------------------------ changes

    private void startRun(Context ctx) throws Exception {
        JsonNode body = body(ctx);
        if (body.has("plan")) {
            ctx.status(202).json(PlanStarts.start(runs, folders, body, new Lines()));
            return;
        }
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!START_FIELDS.contains(name)) {
                throw new Failure(400, "unknown field '" + name + "'; the fields are " + List.copyOf(START_FIELDS), "/" + name);
            }
        }
        Path runbook = folders.runbook(text(body, "runbook"));
        Path inventory = folders.inventory(text(body, "inventory"));
        String vm = text(body, "vm");
        Map<String, String> inputs = new LinkedHashMap<>();
        JsonNode in = body.path("inputs");
        if (!in.isMissingNode() && !in.isObject()) {
            throw new Failure(400, "'inputs' must be an object of input names to values", "/inputs");
        }
        in.fields().forEachRemaining(e -> inputs.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));

        // The pipeline lives as long as the run, which goes on in the background; closed here if it never starts.
        Pipeline pipeline = new Pipeline();
        Plan plan;
        Engine engine;
        try {
            plan = Planning.bounded(() -> planned(pipeline, runbook, inventory, vm, inputs));
            engine = runs.engine(plan, pipeline.expressions(), null);
        } catch (PrimitiveException e) {
            pipeline.close();
            throw new Failure(400, e.getMessage(), null);
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
        CompletableFuture<String> admitted = new CompletableFuture<>();
        Thread.ofVirtual().name("run-" + vm).start(() -> {
            try (pipeline) {
                Result r = engine.start(plan, Runs.launch(runbook, inventory, null), admitted::complete);
                if (r.refused()) {
                    admitted.completeExceptionally(new Failure(409, "refused: " + r.message(), null));
                }
            } catch (RuntimeException e) {
                admitted.completeExceptionally(e);
            }
        });
        try {
            String id = admitted.get(60, TimeUnit.SECONDS);
            ctx.status(202).json(JSON.createObjectNode().put("id", id).put("vm", vm)
                    .put("events", "/api/runs/" + id + "/events").put("status", "/api/runs/" + id));
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Failure f ? f : new Failure(500, "the run could not start: " + e.getCause().getMessage(), null);
        }
    }

    /** Commit or rollback: the same operation the CLI's commands call, on this journal. */
    private void decide(Context ctx, Operation.Outcome outcome) {
        String id = ctx.pathParam("id");
        run(id);
        JsonNode body = ctx.body().isBlank() ? JSON.createObjectNode() : body(ctx);
        String by = body.path("by").asText("");
        boolean accept = body.path("acceptRemediation").asBoolean(false);
        List<String> vms = new java.util.ArrayList<>();
        JsonNode picked = body.path("vms");
        if (!picked.isMissingNode() && !(picked.isArray() && java.util.stream.StreamSupport.stream(picked.spliterator(), false)
                .allMatch(JsonNode::isTextual))) {
            throw new Failure(400, "'vms' must be a list of VM names of the recovery plan run", "/vms");
        }
        picked.forEach(v -> vms.add(v.asText()));
        Lines lines = new Lines();
        Ended ended = runs.decide(id, outcome, vms, by.isBlank() ? null : by, null, accept, lines);
        int code = ended.exitCode();
        int status = switch (code) {
            case ExitCodes.OK -> 200;
            case ExitCodes.REFUSED -> 409;
            case ExitCodes.INVALID -> 400;
            default -> 500;
        };
        ctx.status(status).json(JSON.createObjectNode().put("run", id).put("decision", outcome.id()).put("exitCode", code)
                .put("message", lines.last(ended)));
    }

    /**
     * A guest's remediation report, accepted only with its run's one-time token. Every refusal is the same
     * answer, whether the run exists, had remediation staged for the VM, or its token was spent: a wrong
     * token learns nothing about the site. Only the right token hears that its report is malformed.
     */
    private void report(Context ctx) {
        String header = ctx.header("Authorization");
        String presented = header != null && header.startsWith("Bearer ") ? header.substring(7).strip() : "";
        JsonNode report = bodyOrMissing(ctx);
        GuestReports.Verdict verdict = reports(ctx.pathParam("id"))
                .map(reports -> reports.accept(ctx.pathParam("vm"), ctx.pathParam("id"), presented, report))
                .orElseGet(GuestReports.Refused::new);
        switch (verdict) {
            case GuestReports.Accepted a -> ctx.json(JSON.createObjectNode().put("accepted", true));
            case GuestReports.Refused r -> throw new Failure(403, REPORT_REFUSED);
            case GuestReports.Invalid i -> {
                body(ctx); // a body that is not a JSON object is told so, with where
                throw new Failure(400, i.reason());
            }
        }
    }

    /** The body, or a missing node when it is not a JSON object: a report is judged only once its token passed. */
    private static JsonNode bodyOrMissing(Context ctx) {
        try {
            return body(ctx);
        } catch (Failure f) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    /** Where run {@code id}'s guests report, if it is a run and its recovery site takes reports. */
    private Optional<GuestReports> reports(String id) {
        Optional<RunRecord> run = journal.run(id);
        if (run.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(SiteAdapters.reports(Engine.plan(run.get()).bindings()));
        } catch (PrimitiveException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static JsonNode body(Context ctx) {
        String text = ctx.body();
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new Failure(400, "the body must be a JSON object", "1:1");
            }
            return node;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new Failure(400, "the body is not valid JSON: " + e.getOriginalMessage(),
                    loc == null ? null : loc.getLineNr() + ":" + loc.getColumnNr());
        }
    }

    static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new Failure(400, "'" + field + "' is required: a non-empty string", "/" + field);
        }
        return v.asText();
    }

    private static void error(Context ctx, int status, String message, String location) {
        ObjectNode o = JSON.createObjectNode().put("error", message == null ? "error" : message);
        if (location != null) {
            o.put("location", location);
        }
        ctx.status(status).json(o);
    }

    /** The page's own inline script and style, by hash, and nothing else. */
    private static String contentPolicy(String page) {
        StringBuilder hashes = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<(script|style)>(.*?)</\\1>", java.util.regex.Pattern.DOTALL)
                .matcher(page);
        String scripts = "";
        String styles = "";
        while (m.find()) {
            String hash = " 'sha256-" + java.util.Base64.getEncoder().encodeToString(sha256(m.group(2))) + "'";
            if (m.group(1).equals("script")) {
                scripts += hash;
            } else {
                styles += hash;
            }
        }
        hashes.append("default-src 'none'; script-src").append(scripts.isEmpty() ? " 'none'" : scripts)
                .append("; style-src").append(styles.isEmpty() ? " 'none'" : styles)
                .append("; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        return hashes.toString();
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A header value as it may be shown back: printable ASCII only, and short. */
    static String printable(String value) {
        if (value == null) {
            return "";
        }
        String s = value.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Server.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** An error answer: status, message, and where in the input when the input is at fault. */
    static final class Failure extends RuntimeException {
        final int status;
        final String location;

        Failure(int status, String message, String location) {
            super(message, null, false, false);
            this.status = status;
            this.location = location;
        }

        Failure(int status, String message) {
            this(status, message, null);
        }
    }
}
