package dev.runbook.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the server reads and who may read what it knows, over the shipped runbooks and the sample
 * inventory (planning reads no site): the token on every route but the public ones, files only inside
 * its folders, Host names, security headers, the token file.
 */
class ServerSecurityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Server server;
    private String token;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        token = Tokens.token(tmp.resolve("server.token"), t -> { });
        server = server(Path.of("runbooks"));
    }

    private Server server(Path runbooks) throws Exception {
        return new Server(tmp.resolve("journal.db"), token, new Folders(runbooks, Path.of("inventories")), List.of())
                .start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, token);
    }

    private HttpResponse<String> get(String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readsOfSiteDataNeedTheTokenToo() throws Exception {
        for (String path : List.of("/api/runs", "/api/runs/x", "/api/vms",
                "/api/plan?runbook=test-failover.yaml&inventory=sample.yaml&vm=app02", "/api/events",
                "/api/runs/x/events")) {
            assertEquals(401, get(path, null).statusCode(), path);
            assertEquals(401, get(path, "not-the-token").statusCode(), path);
        }
        assertEquals(200, get("/api/health", null).statusCode());
        assertEquals(200, get("/api/openapi.json", null).statusCode());
        assertEquals(200, get("/", null).statusCode(), "the page is static and asks for the token");
        assertEquals(401, get("/api/runs?token=" + token, null).statusCode(),
                "a token in the query is for event streams only");
    }

    @Test
    void thePlanReadsOnlyRunbooksAndInventoriesInItsFoldersByName() throws Exception {
        Path runbooks = Files.createDirectories(tmp.resolve("repo/runbooks"));
        Files.copy(Path.of("runbooks/test-failover.yaml"), runbooks.resolve("test-failover.yaml"));
        Files.createSymbolicLink(runbooks.resolve("outside.yaml"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(tmp.resolve("repo/templates"), Path.of("templates").toAbsolutePath());
        Files.writeString(tmp.resolve("secret.yaml"), "root:x:0:0:secret-hash\n");
        server.close();
        server = server(runbooks);
        String inventory = "sample.yaml";
        assertEquals(200, get(plan("test-failover.yaml", inventory)).statusCode());
        for (String runbook : List.of("/etc/passwd", "../../etc/passwd", "outside.yaml", "../secret.yaml",
                tmp.resolve("secret.yaml").toString(), "/dev/zero", "nosuch.yaml")) {
            HttpResponse<String> r = get(plan(runbook, inventory));
            assertTrue(r.statusCode() == 400 || r.statusCode() == 404, runbook + ": " + r.statusCode() + " " + r.body());
            assertFalse(r.body().contains("root:") || r.body().contains("secret-hash"), r.body());
        }
        HttpResponse<String> token = get(plan("test-failover.yaml", "../server.token"));
        assertEquals(400, token.statusCode(), token.body());
        assertFalse(token.body().contains(this.token.substring(0, 8)), token.body());
    }

    @Test
    void aHostNameOtherThanAnAddressLocalhostOrAnAllowedOneIsRefused() throws Exception {
        assertEquals(421, status("rebound.example"), "a page that rebinds its name to this machine");
        assertEquals(200, status("127.0.0.1:" + server.port()));
        assertEquals(200, status("localhost:" + server.port()));
        server.close();
        server = new Server(tmp.resolve("journal.db"), token, new Folders(Path.of("runbooks"), Path.of("inventories")),
                List.of("dr.example")).start("127.0.0.1", 0);
        assertEquals(200, status("dr.example"));
    }

    @Test
    void thePageIsServedWithSecurityHeaders() throws Exception {
        HttpResponse<String> page = get("/", null);
        assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(""));
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(policy.contains("default-src 'none'") && policy.contains("script-src 'sha256-")
                && policy.contains("frame-ancestors 'none'"), policy);
    }

    @Test
    void aTokenFileOthersCanReadOrWithAShortTokenIsRefused() throws Exception {
        Path open = tmp.resolve("open.token");
        Files.writeString(open, "x".repeat(64) + "\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(Tokens.Refused.class, () -> Tokens.token(open, t -> { }));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        Path shortToken = tmp.resolve("short.token");
        Files.writeString(shortToken, "x\n");
        Files.setPosixFilePermissions(shortToken, PosixFilePermissions.fromString("rw-------"));
        e = org.junit.jupiter.api.Assertions.assertThrows(Tokens.Refused.class, () -> Tokens.token(shortToken, t -> { }));
        assertTrue(e.getMessage().contains("shorter than 32"), e.getMessage());
    }

    @Test
    void theOpenApiDocumentAndThePageAreServed() throws Exception {
        JsonNode api = JSON.readTree(get("/api/openapi.json").body());
        assertEquals("3.0.3", api.get("openapi").asText());
        assertTrue(api.at("/paths").has("/api/runs/{id}/events"));
        assertTrue(get("/").body().contains("<title>runbook</title>"));
    }

    private static String plan(String runbook, String inventory) {
        return "/api/plan?runbook=" + java.net.URLEncoder.encode(runbook, StandardCharsets.UTF_8) + "&inventory="
                + java.net.URLEncoder.encode(inventory, StandardCharsets.UTF_8) + "&vm=app02";
    }

    /** The status of GET /api/health with this Host header, on a raw connection (clients fix the header). */
    private int status(String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("GET /api/health HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String first = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return Integer.parseInt(first.split(" ")[1]);
        }
    }
}
