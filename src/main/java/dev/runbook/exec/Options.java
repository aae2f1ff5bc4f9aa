package dev.runbook.exec;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the engine runs.
 *
 * @param runTimeout           the longest a run may take from its start to its end or its decision, or null
 * @param timeoutCap           caps every step timeout (a rehearsal that must not wait hours), or null
 * @param sleeper              waits between retries
 * @param cancelGrace          how long a cancelled primitive call may take to stop
 * @param compensationAttempts how often a failing compensation is tried before the run is compensation-failed
 * @param actor                who acts (recorded with runs and decisions)
 * @param drivers              the folder of per-run driver lock files, or null for this process only
 */
public record Options(Duration runTimeout, Duration timeoutCap, Sleeper sleeper, Duration cancelGrace,
                      int compensationAttempts, String actor, Path drivers) {

    /** Waits; tests may shorten the wait. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public static Options defaults(Path drivers) {
        return new Options(null, null, d -> Thread.sleep(d), Duration.ofSeconds(30), 3, whoAmI(), drivers);
    }

    public Options withSleeper(Sleeper s) {
        return new Options(runTimeout, timeoutCap, s, cancelGrace, compensationAttempts, actor, drivers);
    }

    public Options withTimeoutCap(Duration cap) {
        return new Options(runTimeout, cap, sleeper, cancelGrace, compensationAttempts, actor, drivers);
    }

    /** The same options, acting as {@code who} (recorded as the run's starter); unchanged when null. */
    public Options actingAs(String who) {
        return who == null ? this : new Options(runTimeout, timeoutCap, sleeper, cancelGrace, compensationAttempts, who,
                drivers);
    }

    public Options withRunTimeout(Duration t) {
        return new Options(t, timeoutCap, sleeper, cancelGrace, compensationAttempts, actor, drivers);
    }

    /** The user and host this process runs as: who acts when nobody is named. */
    public static String whoAmI() {
        String user = System.getProperty("user.name", "unknown");
        String host = System.getenv().getOrDefault("HOSTNAME", "");
        if (host.isEmpty()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "localhost";
            }
        }
        return user + "@" + host;
    }
}
