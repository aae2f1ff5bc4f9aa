package dev.runbook.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code runbook serve --tls-cert --tls-key}: HTTPS only on the port, with a self-signed pair made for the
 * test; the token is still needed on every route but the public ones, and nothing answers in clear.
 */
class ServerTlsTest {

    @TempDir
    Path tmp;

    private Server server;
    private String token;
    private SelfSigned pair;

    private void start(String kind) throws Exception {
        pair = SelfSigned.make(tmp.resolve("tls"), kind);
        token = Tokens.token(tmp.resolve("server.token"), t -> { });
        server = new Server(tmp.resolve("journal.db"), token, new Folders(Path.of("runbooks"), Path.of("inventories")), List.of())
                .start("127.0.0.1", 0, TlsIdentity.read(pair.certificate(), pair.key()));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(HttpClient client, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "ec"})
    void healthAnswersOverHttpsAndTheOtherRoutesStillNeedTheToken(String kind) throws Exception {
        start(kind);
        HttpClient client = HttpClient.newBuilder().sslContext(pair.trusting()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> health = get(client, "/api/health", null);
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("{\"ok\":true}", health.body());
        for (String path : List.of("/api/runs", "/api/vms", "/api/events")) {
            assertEquals(401, get(client, path, null).statusCode(), path);
            assertEquals(401, get(client, path, "not-the-token").statusCode(), path);
        }
        assertEquals(200, get(client, "/api/runs", token).statusCode());
        assertEquals("DENY", health.headers().firstValue("X-Frame-Options").orElse(""), "the same headers over HTTPS");

        HttpClient trustingNothing = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertThrows(SSLHandshakeException.class, () -> get(trustingNothing, "/api/health", null),
                "a client that does not trust the certificate must not get an answer");
    }

    @Test
    void plainHttpToTheTlsPortGetsNoApiAnswer() throws Exception {
        start("ec");
        String answer = plain("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertFalse(answer.contains("\"ok\""), answer);
        assertFalse(answer.startsWith("HTTP/1.1 200"), answer);
        String runs = plain("GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nConnection: close\r\n\r\n");
        assertFalse(runs.contains("\"runs\"") || runs.startsWith("HTTP/1.1 200"), runs);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/health")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() >= 400 && !r.body().contains("\"ok\""), r.statusCode() + " " + r.body());
        } catch (IOException refused) {
            // the connection was closed: no answer at all
        }
    }

    /** What the port sends back to {@code request} written in clear, until it closes or goes quiet. */
    private String plain(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (InputStream in = socket.getInputStream()) {
                in.transferTo(got);
            } catch (SocketTimeoutException | java.net.SocketException quietOrReset) {
                // what came so far is the answer
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
