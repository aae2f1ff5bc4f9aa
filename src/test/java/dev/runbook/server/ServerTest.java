package dev.runbook.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.cli.ChildJvm;
import dev.runbook.demo.DemoFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runbook serve} over a demo site: the API, its refusals, and events that survive a reconnect. */
class ServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private DemoFixture site;
    private Server server;
    private String token;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        site = new DemoFixture(tmp);
        List<String> shown = new ArrayList<>();
        Path tokenFile = tmp.resolve("server.token");
        token = Tokens.token(tokenFile, shown::add);
        assertEquals(List.of(token), shown, "a new token is shown once");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertEquals(token, Tokens.token(tokenFile, t -> { throw new AssertionError("shown again"); }));
        server = server(Path.of("runbooks"));
    }

    /** A server over the demo site's journal that plans from {@code runbooks} and the site's folder. */
    private Server server(Path runbooks) throws Exception {
        return new Server(site.journal, token, new Folders(runbooks, site.inventory.getParent()), List.of())
                .start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, token);
    }

    private HttpResponse<String> get(String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String startBody(String vm) {
        return JSON.createObjectNode().put("runbook", "test-failover.yaml")
                .put("inventory", site.inventory.getFileName().toString()).put("vm", vm).toString();
    }

    private JsonNode awaitRun(String id, String state) throws Exception {
        for (int i = 0; i < 300; i++) {
            JsonNode run = JSON.readTree(get("/api/runs/" + id).body());
            if (run.path("state").asText().equals(state)) {
                return run;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("run " + id + " never reached " + state + ": " + get("/api/runs/" + id).body());
    }

    @Test
    void aTestFailoverAndItsRollbackThroughTheApi() throws Exception {
        HttpResponse<String> started = post("/api/runs", startBody("app02"), token);
        assertEquals(202, started.statusCode(), started.body());
        String id = JSON.readTree(started.body()).get("id").asText();
        JsonNode run = awaitRun(id, "completed");
        assertEquals("test-failover-active", run.get("lifecycle").asText());
        assertTrue(run.get("steps").size() > 5);
        assertEquals("not-needed", run.at("/remediation/status").asText(), run.toString());

        JsonNode runs = JSON.readTree(get("/api/runs").body());
        assertEquals(id, runs.at("/runs/0/id").asText());
        assertEquals("test-failover-active", JSON.readTree(get("/api/vms").body()).at("/lifecycle/0/state").asText());

        HttpResponse<String> rolledBack = post("/api/runs/" + id + "/rollback", "{\"by\": \"alice\"}", token);
        assertEquals(200, rolledBack.statusCode(), rolledBack.body());
        assertEquals("replication-ready", JSON.readTree(get("/api/vms").body()).at("/lifecycle/0/state").asText());
        HttpResponse<String> again = post("/api/runs/" + id + "/rollback", "{}", token);
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(JSON.readTree(again.body()).get("message").asText().contains("refused"), again.body());
    }

    @Test
    @Tag("process")
    void aRunWhoseProcessDiedIsResumedWhenTheServerStarts() throws Exception {
        server.close();
        // A CLI run killed (SIGKILL) at its 12th journal boundary, mid-way through the steps.
        List<String> cmd = new ArrayList<>(ChildJvm.command("-Drunbook.crash.at=12"));
        cmd.addAll(List.of("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), Files.readString(tmp.resolve("child.log")));

        server = server(Path.of("runbooks"));
        String id = JSON.readTree(get("/api/runs").body()).at("/runs/0/id").asText();
        JsonNode run = awaitRun(id, "completed");
        assertEquals("test-failover-active", run.get("lifecycle").asText());
    }

    @Test
    void mutatingCallsNeedTheToken() throws Exception {
        HttpResponse<String> none = post("/api/runs", startBody("app02"), null);
        assertEquals(401, none.statusCode());
        assertTrue(JSON.readTree(none.body()).get("error").asText().contains("Authorization: Bearer"), none.body());
        assertEquals(401, post("/api/runs", startBody("app02"), "not-the-token").statusCode());
        assertEquals(401, post("/api/runs/x/rollback", "{}", token + "x").statusCode());
        assertTrue(JSON.readTree(get("/api/runs").body()).get("runs").isEmpty(), "nothing was started");
    }

    @Test
    void badBodiesAreLocatedAndChangeNothing() throws Exception {
        HttpResponse<String> broken = post("/api/runs", "{\"runbook\": \"x\",\n \"vm\": }", token);
        assertEquals(400, broken.statusCode(), broken.body());
        assertEquals("2:8", JSON.readTree(broken.body()).get("location").asText(), broken.body());

        HttpResponse<String> unknown = post("/api/runs", "{\"runbook\": \"x\", \"inventory\": \"y\", \"vm\": \"z\", \"force\": true}", token);
        assertEquals(400, unknown.statusCode());
        assertEquals("/force", JSON.readTree(unknown.body()).get("location").asText());

        HttpResponse<String> missing = post("/api/runs", "{\"runbook\": \"test-failover.yaml\"}", token);
        assertEquals(400, missing.statusCode());
        assertEquals("/inventory", JSON.readTree(missing.body()).get("location").asText());

        HttpResponse<String> noVm = post("/api/runs", startBody("nosuch"), token);
        assertEquals(400, noVm.statusCode(), noVm.body());
        assertTrue(JSON.readTree(noVm.body()).get("location").asText().startsWith(site.inventory.toString() + ":"), noVm.body());

        HttpResponse<String> huge = post("/api/runs", "{\"runbook\": \"" + "x".repeat((int) Server.MAX_BODY) + "\"}", token);
        assertEquals(413, huge.statusCode());

        HttpResponse<String> missingRun = get("/api/runs/nosuch");
        assertEquals(404, missingRun.statusCode());
        assertFalse(missingRun.body().contains("Exception") || missingRun.body().contains("\tat "), missingRun.body());
        assertTrue(JSON.readTree(get("/api/runs").body()).get("runs").isEmpty(), "nothing was started");
    }

    @Test
    void eventsResumeAfterTheLastEventIdWithoutLossOrRepeat() throws Exception {
        HttpResponse<String> started = post("/api/runs", startBody("app02"), token);
        String id = JSON.readTree(started.body()).get("id").asText();
        awaitRun(id, "completed");

        List<Long> all = events("/api/runs/" + id + "/events", null, Integer.MAX_VALUE);
        assertTrue(all.size() > 20, "events: " + all);
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i) > all.get(i - 1), "out of order or repeated: " + all);
        }
        // A client that saw the first ten reconnects and gets exactly the rest.
        List<Long> rest = events("/api/runs/" + id + "/events", all.get(9), Integer.MAX_VALUE);
        assertEquals(all.subList(10, all.size()), rest);

        // The rollback's events reach a subscriber of all runs that joined before it.
        List<Long> live = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                live.addAll(events("/api/events", all.get(all.size() - 1), 30));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        assertEquals(200, post("/api/runs/" + id + "/rollback", "{}", token).statusCode());
        reader.join(10_000);
        assertEquals(30, live.size(), "live events: " + live);
        assertTrue(live.get(0) > all.get(all.size() - 1));
    }

    @Test
    void aGuestReportIsAcceptedOnlyWithItsRunsOneTimeToken() throws Exception {
        HttpResponse<String> started = post("/api/runs", startBody("app02"), token);
        String id = JSON.readTree(started.body()).get("id").asText();
        awaitRun(id, "completed");
        // What remediation.stage leaves in the site for a run that staged with a report endpoint.
        String guestToken = "0123456789abcdef";
        dev.runbook.primitive.StateFile.at(site.recoverySite.state()).change(state -> {
            dev.runbook.primitive.StateFile.section(state, "remediation").putObject("app02").put("run", id)
                    .put("status", "scheduled").put("tokenSha256", sha256(guestToken));
            return null;
        });
        String path = "/api/runs/" + id + "/remediation/app02";
        String running = "{\"status\": \"awaiting-reboot\", \"stage\": \"firstboot\"}";
        String done = "{\"status\": \"succeeded\", \"actions\": [{\"action\": \"network\", \"outcome\": \"succeeded\", \"detail\": \"ok\"}]}";

        assertEquals(403, post(path, done, token).statusCode(), "the server's token is not the guest's");
        assertEquals(403, post(path, done, "wrong").statusCode());
        assertEquals(400, post(path, "{\"status\": \"fine\"}", guestToken).statusCode());
        HttpResponse<String> notJson = post(path, "{", guestToken);
        assertEquals(400, notJson.statusCode(), "the right token hears that its report is malformed");
        assertTrue(JSON.readTree(notJson.body()).has("location"), notJson.body());
        assertEquals(200, post(path, running, guestToken).statusCode());
        assertEquals("awaiting-reboot", remediation().path("status").asText());
        assertEquals(200, post(path, done, guestToken).statusCode());
        JsonNode entry = remediation();
        assertEquals("succeeded", entry.path("status").asText());
        assertEquals("endpoint", entry.path("source").asText());
        assertEquals("network", entry.at("/actions/0/action").asText());
        HttpResponse<String> spent = post(path, done, guestToken);
        assertEquals(403, spent.statusCode(), "the token is spent once a final status is in");
        assertEquals("{\"error\":\"report refused\"}", spent.body());
        assertEquals(403, post("/api/runs/" + id + "/remediation/web01", done, guestToken).statusCode());
    }

    /**
     * A report the server refuses answers the same whatever the site holds: whether the VM had remediation
     * staged by this run, by another, with its token spent, not at all, or the run does not exist. A wrong
     * token tells nothing, and is recorded nowhere.
     */
    @Test
    void aRefusedReportAnswersTheSameWhateverWasStaged() throws Exception {
        String id = JSON.readTree(post("/api/runs", startBody("app02"), token).body()).get("id").asText();
        awaitRun(id, "completed");
        String guestToken = "0123456789abcdef";
        dev.runbook.primitive.StateFile.at(site.recoverySite.state()).change(state -> {
            var staged = dev.runbook.primitive.StateFile.section(state, "remediation");
            staged.putObject("app02").put("run", id).put("status", "scheduled").put("tokenSha256", sha256(guestToken));
            staged.putObject("web01").put("run", id).put("status", "succeeded"); // its token spent
            staged.putObject("win03").put("run", "another-run").put("status", "scheduled")
                    .put("tokenSha256", sha256(guestToken));
            return null;
        });
        JsonNode before = dev.runbook.primitive.StateFile.at(site.recoverySite.state()).read().get("remediation");
        String report = "{\"status\": \"succeeded\"}";

        record Refusal(String what, String path, String body, String bearer) { }
        List<Refusal> refusals = List.of(
                new Refusal("staged by this run, wrong token", "/api/runs/" + id + "/remediation/app02", report, "wrong-token"),
                new Refusal("staged, the server's token", "/api/runs/" + id + "/remediation/app02", report, token),
                new Refusal("staged, no token", "/api/runs/" + id + "/remediation/app02", report, null),
                new Refusal("staged, wrong token, malformed report", "/api/runs/" + id + "/remediation/app02",
                        "{\"status\": \"fine\"}", "wrong-token"),
                new Refusal("staged, wrong token, not JSON", "/api/runs/" + id + "/remediation/app02", "{", "wrong-token"),
                new Refusal("token spent", "/api/runs/" + id + "/remediation/web01", report, guestToken),
                new Refusal("staged by another run", "/api/runs/" + id + "/remediation/win03", report, guestToken),
                new Refusal("nothing staged", "/api/runs/" + id + "/remediation/nosuch", report, "wrong-token"),
                new Refusal("unknown run", "/api/runs/no-such-run/remediation/app02", report, "wrong-token"),
                new Refusal("unknown run, the right token", "/api/runs/no-such-run/remediation/app02", report, guestToken));
        HttpResponse<String> first = null;
        for (Refusal r : refusals) {
            HttpResponse<String> answer = post(r.path(), r.body(), r.bearer());
            assertEquals(403, answer.statusCode(), r.what() + ": " + answer.body());
            assertEquals("{\"error\":\"report refused\"}", answer.body(), r.what());
            if (first != null) {
                assertEquals(headersThatMatter(first), headersThatMatter(answer), r.what());
            }
            first = answer;
        }
        assertEquals(before, dev.runbook.primitive.StateFile.at(site.recoverySite.state()).read().get("remediation"),
                "a refused report recorded something");
        assertEquals(200, post("/api/runs/" + id + "/remediation/app02", report, guestToken).statusCode(),
                "the right token still reports");
    }

    /** A response's headers, less the date, which differs between any two answers. */
    private static java.util.Map<String, List<String>> headersThatMatter(HttpResponse<String> r) {
        var headers = new java.util.TreeMap<>(r.headers().map());
        headers.remove("date");
        return headers;
    }

    private JsonNode remediation() {
        return dev.runbook.primitive.StateFile.at(site.recoverySite.state()).read().at("/remediation/app02");
    }

    private static String sha256(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Reads event ids from an SSE stream until it has {@code max} or the stream is quiet for a second. */
    private List<Long> events(String path, Long lastEventId, int max) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + token);
        if (lastEventId != null) {
            b.header("Last-Event-ID", Long.toString(lastEventId));
        }
        HttpResponse<java.io.InputStream> res = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        List<Long> ids = new ArrayList<>();
        Thread closer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(Duration.ofSeconds(max == Integer.MAX_VALUE ? 2 : 15));
                res.body().close();
            } catch (Exception ignored) {
                // closing ends the read below
            }
        });
        try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            String line;
            while (ids.size() < max && (line = in.readLine()) != null) {
                if (line.startsWith("id: ")) {
                    ids.add(Long.parseLong(line.substring(4).strip()));
                }
            }
        } catch (java.io.IOException closed) {
            // the closer ended the stream
        }
        closer.interrupt();
        return ids;
    }

    @Test
    void whoDecidesIsANameRecordedAsGivenNeverAnOption() throws Exception {
        String id = JSON.readTree(post("/api/runs", startBody("app02"), token).body()).get("id").asText();
        awaitRun(id, "completed");
        HttpResponse<String> forged = post("/api/runs/" + id + "/rollback", "{\"by\": \"eve\\u001b[2J\\nroot\"}", token);
        assertEquals(400, forged.statusCode(), forged.body());
        assertEquals("test-failover-active", JSON.readTree(get("/api/vms").body()).at("/lifecycle/0/state").asText());
        HttpResponse<String> option = post("/api/runs/" + id + "/rollback", "{\"by\": \"-h\"}", token);
        assertEquals(200, option.statusCode(), option.body());
        JsonNode rollback = JSON.readTree(get("/api/runs").body()).at("/runs/0");
        assertEquals(id, rollback.path("parent").asText(), rollback.toString());
        assertEquals("-h", rollback.path("startedBy").asText(), "who decided is recorded with the run that performs it");
    }

    @Test
    void aPassedDecisionWindowIsActedOnByTheServersTimer() throws Exception {
        Path runbooks = Files.createDirectories(tmp.resolve("repo/runbooks"));
        Files.writeString(runbooks.resolve("planned-failover.yaml"), Files.readString(Path.of("runbooks/planned-failover.yaml"))
                .replace("timeout: 8h", "timeout: 1s"));
        Files.createSymbolicLink(tmp.resolve("repo/templates"), Path.of("templates").toAbsolutePath());
        server.close();
        System.setProperty("runbook.windowPollMillis", "200");
        try {
            server = server(runbooks);
        } finally {
            System.clearProperty("runbook.windowPollMillis");
        }
        String body = JSON.createObjectNode().put("runbook", "planned-failover.yaml")
                .put("inventory", site.inventory.getFileName().toString()).put("vm", "app02").toString();
        String id = JSON.readTree(post("/api/runs", body, token).body()).get("id").asText();
        JsonNode run = awaitRun(id, "awaiting-decision");
        for (int i = 0; i < 100 && !run.has("notes"); i++) {
            Thread.sleep(100); // nobody touches the run: only the timer can remind
            run = JSON.readTree(get("/api/runs/" + id).body());
        }
        assertEquals("decision-window-passed", run.at("/notes/0/note").asText(), run.toString());
        assertEquals(1, run.get("notes").size(), "reminded once");
        assertEquals("awaiting-decision", run.get("state").asText(), "a window never commits");
        assertFalse(run.has("decision"));
    }
}
