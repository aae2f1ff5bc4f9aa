package dev.runbook.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Journal boundaries at which a crash test kills this process with SIGKILL. Off unless the system
 * property {@code runbook.crash.at} (the 1-based boundary to die at) or {@code runbook.crash.trace} (a
 * file that lists every boundary reached) is set; then each boundary costs a counter increment.
 */
public final class CrashPoints {

    private static final String AT = System.getProperty("runbook.crash.at");
    private static final String TRACE = System.getProperty("runbook.crash.trace");
    private static final boolean ON = AT != null || TRACE != null;
    private static final int DIE_AT = AT == null ? -1 : Integer.parseInt(AT);
    private static final AtomicInteger COUNT = new AtomicInteger();

    private CrashPoints() {
    }

    /** A point where the journal and the site may disagree: just after a commit, or after a primitive call. */
    static void boundary(String label) {
        if (!ON) {
            return;
        }
        int n = COUNT.incrementAndGet();
        if (TRACE != null) {
            try {
                Files.writeString(Path.of(TRACE), n + " " + label + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write crash trace " + TRACE, e);
            }
        }
        if (n == DIE_AT) {
            try {
                // the shell's own kill: no dependence on procps being installed
                new ProcessBuilder("sh", "-c", "kill -9 " + ProcessHandle.current().pid()).start().waitFor();
                Thread.sleep(60_000);
            } catch (IOException | InterruptedException e) {
                Runtime.getRuntime().halt(137);
            }
            Runtime.getRuntime().halt(137);
        }
    }
}
