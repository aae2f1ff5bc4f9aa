package dev.runbook.server;

import dev.runbook.exec.Entry;
import dev.runbook.exec.Journal;
import io.javalin.http.sse.SseClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One poller follows the journal (runs started by any process) and hands each new entry to every
 * subscriber in order. A subscriber first gets what it missed (after its {@code Last-Event-ID}, or the
 * whole run for a run's stream) under its own lock, so nothing is lost or sent twice across a reconnect.
 */
final class Broadcaster {
    private final Journal journal;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;
    private long cursor; // guarded by this
    private Thread poller;

    Broadcaster(Journal journal) {
        this.journal = journal;
    }

    void start() {
        cursor = journal.lastSeq();
        poller = Thread.ofVirtual().name("journal-events").start(this::poll);
        // Entries this server writes (the runs it drives) go out at once when they follow the last one
        // sent; anything else wakes the poller, which reads the journal in order. Other processes'
        // entries are seen within a poll interval.
        journal.subscribe(e -> {
            synchronized (this) {
                if (e.seq() == cursor + 1) {
                    fanOut(e);
                    return;
                }
            }
            LockSupport.unpark(poller);
        });
    }

    void stop() {
        stopped = true;
        if (poller != null) {
            poller.interrupt();
        }
        subscribers.forEach(s -> s.client.close());
    }

    private void poll() {
        long lastPing = System.nanoTime();
        while (!stopped) {
            try {
                long from;
                synchronized (this) {
                    from = cursor;
                }
                // Read without this lock: the journal calls the listener above under its own lock.
                List<Entry> batch = journal.entriesAfter(from, 1000);
                synchronized (this) {
                    for (Entry e : batch) {
                        if (e.seq() > cursor) {
                            fanOut(e);
                        }
                    }
                }
                if (System.nanoTime() - lastPing > TimeUnit.SECONDS.toNanos(15)) {
                    subscribers.forEach(Subscriber::ping);
                    lastPing = System.nanoTime();
                }
                if (batch.isEmpty()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    if (Thread.interrupted()) {
                        return;
                    }
                }
            } catch (RuntimeException e) {
                try {
                    Thread.sleep(500); // the journal is busy or being replaced: try again
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private List<Entry> everyEntryAfter(long after) {
        List<Entry> out = new ArrayList<>();
        for (List<Entry> batch = journal.entriesAfter(after, 10_000); !batch.isEmpty();
             batch = journal.entriesAfter(out.get(out.size() - 1).seq(), 10_000)) {
            out.addAll(batch);
        }
        return out;
    }

    /** Hands one entry to every subscriber; the caller holds this broadcaster's lock. */
    private void fanOut(Entry e) {
        Event event = new Event(e);
        for (Subscriber s : subscribers) {
            s.deliver(event);
        }
        cursor = e.seq();
    }

    void subscribe(SseClient client, String runId) {
        String last = client.ctx().header("Last-Event-ID");
        long after = 0;
        if (last != null && last.matches("\\d{1,18}")) {
            after = Long.parseLong(last);
        } else if (runId == null) {
            synchronized (this) {
                after = cursor; // the all-runs stream starts now unless resumed
            }
        }
        Subscriber s = new Subscriber(client, runId, after);
        client.keepAlive();
        client.onClose(() -> subscribers.remove(s));
        // Registered first (holding back what arrives), then what was missed is read, then both go out
        // in order, each entry once. No lock is held while reading the journal.
        subscribers.add(s);
        s.catchUp(runId != null ? journal.entries(runId, after) : everyEntryAfter(after));
    }
}
