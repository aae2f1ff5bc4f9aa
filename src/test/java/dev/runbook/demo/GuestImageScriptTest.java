package dev.runbook.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runbook.app.Shipped;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The script that builds the real guest's disk, without building it: shellcheck finds nothing, and the
 * image it names is in its cache under the SHA-256 of the script, so a changed script makes a new one.
 */
class GuestImageScriptTest {

    private static final Path SCRIPT = Shipped.guestImageScript();

    private static String run(List<String> command, Path cache) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (cache != null) {
            pb.environment().put("RUNBOOK_GUEST_CACHE", cache.toString());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ":\n" + out);
        return out;
    }

    @Test
    void shellcheckFindsNothing() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/shellcheck")),
                "SKIPPED LOUDLY: shellcheck is not installed; bin/test installs it");
        run(List.of("shellcheck", "-x", SCRIPT.toString()), null);
    }

    @Test
    void theImageIsCachedUnderTheScriptsHash(@TempDir Path cache) throws Exception {
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(SCRIPT)));
        String path = run(List.of("bash", SCRIPT.toString(), "--path"), cache).strip();
        assertEquals(cache.resolve("guest-debian12-" + hash.substring(0, 16) + ".qcow2").toString(), path);
    }
}
