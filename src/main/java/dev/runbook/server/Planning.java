package dev.runbook.server;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Plans on the server's behalf on a small pool with a deadline, so that many or slow plan requests
 * cannot take every thread of the server: past the queue's bound a request is told to retry (503), past
 * the deadline it is abandoned (503).
 */
final class Planning {

    static final int THREADS = 2;
    static final int WAITING = 16;
    static final long DEADLINE_SECONDS = 30;

    private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS,
            Thread.ofPlatform().daemon().name("planning-", 0).factory());
    private static final Semaphore ADMITTED = new Semaphore(THREADS + WAITING);

    private Planning() {
    }

    static <T> T bounded(Callable<T> work) {
        if (!ADMITTED.tryAcquire()) {
            throw new Server.Failure(503, "the server is planning " + (THREADS + WAITING)
                    + " requests already; retry in a moment");
        }
        Future<T> future;
        try {
            future = POOL.submit(() -> {
                try {
                    return work.call();
                } finally {
                    ADMITTED.release();
                }
            });
        } catch (RuntimeException e) {
            ADMITTED.release();
            throw e;
        }
        try {
            return future.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new Server.Failure(503, "planning took longer than " + DEADLINE_SECONDS + " s and was abandoned");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new Server.Failure(503, "interrupted while planning");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
