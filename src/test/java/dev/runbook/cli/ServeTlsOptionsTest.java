package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.runbook.app.ExitCodes;
import dev.runbook.server.SelfSigned;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbook serve --tls-cert FILE --tls-key FILE} with a pair that cannot serve: one line that names the
 * file and says what to do, exit 2 (invalid input), no stack trace, and nothing made or started (no journal,
 * no token file).
 */
class ServeTlsOptionsTest {

    @TempDir
    Path tmp;

    private SelfSigned pair;
    private SelfSigned other;
    private Path state;

    @BeforeEach
    void pairs() throws Exception {
        pair = SelfSigned.make(tmp.resolve("tls"), "ec");
        other = SelfSigned.make(tmp.resolve("other"), "ec");
        state = Files.createDirectories(tmp.resolve("state"));
    }

    /** Serves with these options, expecting a refusal whose one line contains each of {@code expected}. */
    private void refused(List<String> options, String... expected) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--journal", state.resolve("journal.db").toString()));
        args.addAll(options);
        Cli cli = Cli.run(args.toArray(String[]::new));
        String said = options + ": " + cli.out() + cli.err();
        assertEquals(ExitCodes.INVALID, cli.code(), said);
        assertEquals("", cli.out(), said);
        List<String> lines = cli.err().lines().toList();
        assertEquals(1, lines.size(), said);
        assertTrue(lines.get(0).startsWith("runbook: "), said);
        for (String e : expected) {
            assertTrue(lines.get(0).contains(e), "missing '" + e + "' in " + said);
        }
        assertFalse(cli.err().contains("Exception") || cli.err().contains("\tat "), said);
        try (var made = Files.list(state)) {
            assertEquals(List.of(), made.toList(), "nothing is made before the pair is checked: " + said);
        }
    }

    private static List<String> tls(Path certificate, Path key) {
        return List.of("--tls-cert", certificate.toString(), "--tls-key", key.toString());
    }

    @Test
    void oneOptionWithoutTheOtherIsRefused() throws Exception {
        refused(List.of("--tls-cert", pair.certificate().toString()),
                "--tls-cert " + pair.certificate() + " was given without --tls-key", "give both");
        refused(List.of("--tls-key", pair.key().toString()),
                "--tls-key " + pair.key() + " was given without --tls-cert", "give both");
    }

    @Test
    void aMissingFileIsNamed() throws Exception {
        Path missing = tmp.resolve("nosuch.pem");
        refused(tls(missing, pair.key()), "--tls-cert " + missing, "no such file", "give the server's certificate");
        refused(tls(pair.certificate(), missing), "--tls-key " + missing, "no such file", "give the certificate's private key");
        refused(tls(tmp, pair.key()), "--tls-cert " + tmp, "is not a regular file");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        refused(tls(pair.certificate(), other.key()), "--tls-key " + other.key(),
                "is not the private key of the certificate in " + pair.certificate(), "give the key the certificate was made for");
    }

    @Test
    void filesThatAreNotWhatTheyShouldBeAreRefused() throws Exception {
        refused(tls(pair.key(), pair.key()), "--tls-cert " + pair.key(), "holds no PEM certificate");
        refused(tls(pair.certificate(), pair.certificate()), "--tls-key " + pair.certificate(), "holds no PEM private key");
        Path binary = Files.write(tmp.resolve("binary.pem"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        refused(tls(binary, pair.key()), "--tls-cert " + binary, "is not a PEM file");
        Path broken = Files.writeString(tmp.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        refused(tls(broken, pair.key()), "--tls-cert " + broken, "cannot be read");
    }

    @Test
    void aKeyInAnotherPemFormIsRefusedWithTheCommandThatConvertsIt() throws Exception {
        SelfSigned rsa = SelfSigned.make(tmp.resolve("rsa"), "rsa");
        Path traditional = tmp.resolve("rsa/traditional.pem");
        SelfSigned.openssl(List.of("openssl", "pkey", "-in", rsa.key().toString(), "-traditional", "-out", traditional.toString()));
        assertTrue(Files.readString(traditional).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        refused(tls(rsa.certificate(), traditional), "--tls-key " + traditional, "'RSA PRIVATE KEY'",
                "openssl pkey -in " + traditional);
    }

    /**
     * Bound beyond loopback with a pair: HTTPS on the port, and no warning about serving in clear, which the
     * same command without the pair prints. A child JVM, since {@code serve} runs until the process stops.
     */
    @Test
    @Tag("process")
    void boundBeyondLoopbackWithTlsItServesHttpsAndDoesNotWarn() throws Exception {
        Serving tls = serve(tls(pair.certificate(), pair.key()));
        assertTrue(tls.url().startsWith("https://0.0.0.0:"), tls.url());
        var client = java.net.http.HttpClient.newBuilder().sslContext(pair.trusting()).build();
        var health = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                tls.url().replace("0.0.0.0", "127.0.0.1") + "api/health")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertFalse(tls.stop().contains("warning"), "warned although serving TLS");

        Serving clear = serve(List.of());
        assertTrue(clear.url().startsWith("http://0.0.0.0:"), clear.url());
        assertTrue(clear.stop().contains("warning: serving on 0.0.0.0 without TLS"), "no warning when serving in clear");
    }

    /** A {@code runbook serve} in a child JVM, at the address it printed. */
    private record Serving(Process process, String url, Path err) {
        /** Stops it; what it printed on stderr. */
        String stop() throws Exception {
            process.destroy();
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            return Files.readString(err);
        }
    }

    private Serving serve(List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvm.command());
        Path dir = Files.createTempDirectory(tmp, "serve");
        cmd.addAll(List.of("serve", "--bind", "0.0.0.0", "--port", "0", "--runbooks", Path.of("runbooks").toAbsolutePath().toString(),
                "--journal", dir.resolve("journal.db").toString()));
        cmd.addAll(options);
        Path err = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
        Thread.ofVirtual().start(() -> {
            try {
                process.inputReader(java.nio.charset.StandardCharsets.UTF_8).lines().forEach(lines::add);
            } catch (java.io.UncheckedIOException stopped) {
                // the process was stopped: its output is closed
            }
        });
        for (String line; (line = lines.poll(60, java.util.concurrent.TimeUnit.SECONDS)) != null; ) {
            var m = java.util.regex.Pattern.compile("serving (\\S+) ").matcher(line);
            if (m.find()) {
                return new Serving(process, m.group(1), err);
            }
        }
        process.destroyForcibly();
        throw new AssertionError("runbook serve did not start: " + Files.readString(err));
    }

    @Test
    void anUnreadableFileIsNamed() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")),
                "SKIPPED LOUDLY: root reads any file, so an unreadable one cannot be made here");
        Files.setPosixFilePermissions(pair.key(), PosixFilePermissions.fromString("---------"));
        refused(tls(pair.certificate(), pair.key()), "--tls-key " + pair.key(), "permission denied");
    }
}
