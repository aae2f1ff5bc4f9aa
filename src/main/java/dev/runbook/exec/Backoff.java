package dev.runbook.exec;

import dev.runbook.model.Durations;
import dev.runbook.plan.Plan;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter: attempt n waits backoff * 2^(n-1), at most maxBackoff, spread by jitter. */
final class Backoff {

    private static final Duration DEFAULT = Duration.ofSeconds(1);

    private Backoff() {
    }

    static Duration delay(Plan.Retry retry, int attempt) {
        Duration base = retry == null || retry.backoff() == null ? DEFAULT : Durations.parse(retry.backoff());
        Duration max = retry == null || retry.maxBackoff() == null ? Duration.ofMinutes(5) : Durations.parse(retry.maxBackoff());
        double jitter = retry == null ? 0.2 : retry.jitter();
        long millis = base.toMillis() << Math.min(attempt - 1, 20);
        millis = Math.min(millis, max.toMillis());
        double spread = 1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
        return Duration.ofMillis(Math.max(0, Math.round(millis * spread)));
    }
}
