package dev.runbook.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs the trials of a crash matrix two at a time. A trial spends most of its time waiting for its child JVM, so
 * while one child runs the other trial sets its site up or resumes and checks it. The in-process parts take turns
 * on {@link #IN_PROCESS}, so nothing in this JVM runs concurrently that would not in a single-trial run; only the
 * children overlap, each on its own site. {@code -Dcrash.parallel=1} runs them one by one.
 */
public final class CrashTrials {

    /** Held by a trial for everything it does in this JVM. */
    public static final Object IN_PROCESS = new Object();

    /** One trial: the problems it found, none when the site ended consistent. */
    @FunctionalInterface
    public interface Trial {
        List<String> run(int k) throws Exception;
    }

    private CrashTrials() {
    }

    /** How {@code now} differs from {@code expected}: each changed, added or missing key. */
    public static List<String> differences(java.util.Map<String, String> expected, java.util.Map<String, String> now) {
        List<String> diff = new ArrayList<>();
        now.forEach((key, v) -> {
            if (!v.equals(expected.get(key))) {
                diff.add(key + "=" + v + " (expected " + expected.get(key) + ")");
            }
        });
        expected.keySet().stream().filter(key -> !now.containsKey(key)).forEach(key -> diff.add(key + " missing"));
        return diff;
    }

    /** Trials 1..n; the problems of all, in trial order. */
    public static List<String> run(int n, Trial trial) throws Exception {
        int parallel = Math.max(1, Integer.getInteger("crash.parallel", 2));
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<List<String>>> trials = new ArrayList<>();
            for (int k = 1; k <= n; k++) {
                int at = k;
                trials.add(pool.submit(() -> trial.run(at)));
            }
            List<String> problems = new ArrayList<>();
            for (Future<List<String>> f : trials) {
                problems.addAll(f.get());
            }
            return problems;
        } finally {
            pool.shutdownNow();
        }
    }
}
