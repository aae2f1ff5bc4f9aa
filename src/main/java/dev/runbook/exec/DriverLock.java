package dev.runbook.exec;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes sure one process at a time drives a run: an OS file lock per run, released by the kernel when
 * the driving process dies, so a crashed run can be resumed at once and a live one never twice.
 */
final class DriverLock implements AutoCloseable {

    private static final Set<String> IN_PROCESS = ConcurrentHashMap.newKeySet();

    private final String key;
    private final FileChannel channel;
    private final FileLock lock;

    private DriverLock(String key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another process or thread drives the run. */
    static Optional<DriverLock> tryTake(Path folder, String runId) {
        String key = (folder == null ? "" : folder.toAbsolutePath() + "/") + runId;
        if (!IN_PROCESS.add(key)) {
            return Optional.empty();
        }
        if (folder == null) {
            return Optional.of(new DriverLock(key, null, null));
        }
        try {
            Files.createDirectories(folder);
            FileChannel ch = FileChannel.open(folder.resolve(runId + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                IN_PROCESS.remove(key);
                return Optional.empty();
            }
            return Optional.of(new DriverLock(key, ch, l));
        } catch (IOException e) {
            IN_PROCESS.remove(key);
            throw new JournalException("cannot lock run " + runId + " in " + folder + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (lock != null) {
                lock.release();
                channel.close();
            }
        } catch (IOException ignored) {
            // the kernel releases it with the process anyway
        } finally {
            IN_PROCESS.remove(key);
        }
    }
}
