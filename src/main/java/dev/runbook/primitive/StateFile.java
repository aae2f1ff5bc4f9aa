package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A JSON object kept in one file. Every change rewrites the file atomically (a temporary file renamed
 * over it) under a lock that excludes other threads and other processes, so a change either happened
 * completely or not at all, even when the process is killed.
 */
public final class StateFile {

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path file;

    private StateFile(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    /** The state kept in {@code file}; the file need not exist yet. */
    public static StateFile at(Path file) {
        return new StateFile(file);
    }

    public Path file() {
        return file;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    /** A copy of the current state. */
    public ObjectNode read() {
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(file));
            if (node instanceof ObjectNode state) {
                return state;
            }
            throw new IOException("it holds no JSON object");
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("state file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("state file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A change that may refuse with a checked exception. */
    @FunctionalInterface
    public interface Change<T, X extends Exception> {
        T apply(ObjectNode state) throws X;
    }

    /** A change of two states that may refuse with a checked exception. */
    @FunctionalInterface
    public interface BothChange<T, X extends Exception> {
        T apply(ObjectNode first, ObjectNode last) throws X;
    }

    /** A held lock; closing releases it. */
    public interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Applies {@code change} to the state under the lock and writes the result atomically. When the
     * change throws, nothing is written.
     */
    public <T, X extends Exception> T change(Change<T, X> change) throws X {
        try (Held ignored = Held.of(List.of(file))) {
            ObjectNode state = read();
            T out = change.apply(state);
            write(state);
            return out;
        }
    }

    /**
     * Like {@link #change}, for a change that spans two files. {@code first} is written before
     * {@code last}, so a mark written with {@code last} implies the change to {@code first} is on disk.
     * When both are the same file the change sees one state twice.
     */
    public static <T, X extends Exception> T changeBoth(StateFile first, StateFile last, BothChange<T, X> change)
            throws X {
        if (first.file.equals(last.file)) {
            return first.change(s -> change.apply(s, s));
        }
        try (Held ignored = Held.of(List.of(first.file, last.file))) {
            ObjectNode a = first.read();
            ObjectNode b = last.read();
            JsonNode before = a.deepCopy();
            T out = change.apply(a, b);
            if (!a.equals(before)) {
                first.write(a);
            }
            last.write(b);
            return out;
        }
    }

    /**
     * Takes this file's lock, for work that also changes things outside the file (and writes the file
     * itself through {@link #write}); reentrant within a thread.
     */
    public Hold lock() {
        return Held.of(List.of(file));
    }

    /** Replaces the state at once. Callers that read first hold the lock through {@link #locked}. */
    public void write(ObjectNode state) {
        try (Held ignored = Held.of(List.of(file))) {
            replace(file, JSON.writeValueAsBytes(state));
        } catch (IOException e) {
            throw new UncheckedIOException("state file " + file + " cannot be written: " + e.getMessage(), e);
        }
    }

    /** The named object member of {@code state}, created empty when missing. */
    public static ObjectNode section(ObjectNode state, String name) {
        return state.has(name) ? (ObjectNode) state.get(name) : state.putObject(name);
    }

    /** Writes {@code bytes} to {@code file} atomically: a temporary file beside it, forced, then renamed. */
    public static void replace(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The in-process and OS locks of some files, taken in path order so two holders never deadlock. */
    private static final class Held implements Hold {
        private static final ThreadLocal<Map<Path, Integer>> DEPTH = ThreadLocal.withInitial(HashMap::new);

        private final List<ReentrantLock> locks = new ArrayList<>();
        private final List<FileChannel> channels = new ArrayList<>();
        private final List<Path> taken = new ArrayList<>();

        static Held of(List<Path> files) {
            Held held = new Held();
            try {
                files.stream().sorted().forEach(held::take);
                return held;
            } catch (RuntimeException e) {
                held.close();
                throw e;
            }
        }

        private void take(Path file) {
            // The in-process lock comes first: FileChannel.lock refuses a second holder in the same JVM.
            ReentrantLock lock = LOCKS.computeIfAbsent(file, k -> new ReentrantLock());
            lock.lock();
            locks.add(lock);
            Map<Path, Integer> depth = DEPTH.get();
            taken.add(file);
            if (depth.merge(file, 1, Integer::sum) > 1) {
                return; // this thread already holds the OS lock
            }
            try {
                Files.createDirectories(file.getParent());
                FileChannel channel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                channels.add(channel);
                channel.lock();
            } catch (IOException e) {
                throw new UncheckedIOException("state file " + file + " cannot be locked: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            for (int i = channels.size() - 1; i >= 0; i--) {
                try {
                    channels.get(i).close();
                } catch (IOException ignored) {
                    // Closing releases the OS lock; the process exiting would release it too.
                }
            }
            Map<Path, Integer> depth = DEPTH.get();
            taken.forEach(f -> depth.computeIfPresent(f, (k, v) -> v == 1 ? null : v - 1));
            for (int i = locks.size() - 1; i >= 0; i--) {
                locks.get(i).unlock();
            }
        }
    }
}
