package dev.runbook.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The heap over a stretch of a benchmark: the most in use at any sample (garbage included), the most left
 * after a collection (what the work keeps alive), and the collections' count and pause time. The ceiling is
 * the JVM's maximum heap ({@code -Xmx}); work that completes under a ceiling needs no more than that.
 */
final class HeapWatch implements AutoCloseable {

    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final AtomicLong maxUsed = new AtomicLong();
    private final AtomicLong maxAfterGc = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong pauseMillis = new AtomicLong();
    private final NotificationListener listener = this::collected;
    private final Thread sampler;
    private volatile boolean stopped;

    private HeapWatch() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
        }
        sampler = Thread.ofPlatform().daemon().name("heap-watch").start(() -> {
            while (!stopped) {
                maxUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Watches from now, after a collection of what came before. */
    static HeapWatch start() {
        System.gc();
        return new HeapWatch();
    }

    private void collected(Notification n, Object handback) {
        if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
        long after = info.getMemoryUsageAfterGc().entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getUsed()).sum();
        maxAfterGc.accumulateAndGet(after, Math::max);
        collections.incrementAndGet();
        pauseMillis.addAndGet(info.getDuration());
    }

    long maxUsedMiB() {
        return maxUsed.get() >> 20;
    }

    long maxAfterGcMiB() {
        return maxAfterGc.get() >> 20;
    }

    static long ceilingMiB() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return (heap.getMax() < 0 ? Runtime.getRuntime().maxMemory() : heap.getMax()) >> 20;
    }

    /** One line: the most in use, the most kept after a collection, the ceiling, and the collections. */
    String summary() {
        return String.format(Locale.ROOT, "peak heap in use %d MiB, at most %d MiB kept after a collection, ceiling"
                + " (-Xmx) %d MiB; %d collections, %.1f s in them", maxUsedMiB(), maxAfterGcMiB(), ceilingMiB(),
                collections.get(), pauseMillis.get() / 1000.0);
    }

    @Override
    public void close() {
        stopped = true;
        sampler.interrupt();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            try {
                ((NotificationEmitter) gc).removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // never added
            }
        }
    }
}
