package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Inventory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A site whose whole state (domains, networks, disks, replication, remediation and the record of
 * applied calls) is one JSON file. Every change rewrites the file atomically under a lock that excludes
 * other threads and other processes, so a change either happened completely or not at all, even when the
 * process is killed.
 */
public final class LocalSite {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The instant seeded replication entries report as their last sync. */
    static final String SEEDED_SYNC = "2024-01-01T00:00:00Z";

    private static final String SCHEME = "local://";
    private static final List<String> SECTIONS =
            List.of("domains", "networks", "disks", "replication", "remediation", "applied");
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path file;

    private LocalSite(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    /** The site whose state is {@code file}; the file need not exist yet. */
    public static LocalSite at(Path file) {
        return new LocalSite(file);
    }

    /** The state file a {@code local:///absolute/path} URI names; empty for any other URI. */
    public static Optional<Path> pathOf(String uri) {
        if (uri == null || !uri.startsWith(SCHEME + "/")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(uri.substring(SCHEME.length())));
    }

    /** The state file. */
    public Path file() {
        return file;
    }

    /** A copy of the current state. */
    public JsonNode read() {
        return load();
    }

    /**
     * Applies {@code change} to the state under the site's lock and writes the result atomically. When
     * the change throws, nothing is written.
     */
    public <T> T update(Function<ObjectNode, T> change) {
        return change(change::apply);
    }

    /**
     * Like {@link #update}, for a change that spans two sites. {@code first} is written before
     * {@code last}, so a mark written with {@code last} implies the change to {@code first} is on disk.
     * When both are the same file the change sees one state twice.
     */
    public static <T> T updateBoth(LocalSite first, LocalSite last, BiFunction<ObjectNode, ObjectNode, T> change) {
        return changeBoth(first, last, change::apply);
    }

    /** A change that may refuse with a checked exception. */
    @FunctionalInterface
    interface Change<T, X extends Exception> {
        T apply(ObjectNode state) throws X;
    }

    /** A change of two states that may refuse with a checked exception. */
    @FunctionalInterface
    interface BothChange<T, X extends Exception> {
        T apply(ObjectNode first, ObjectNode last) throws X;
    }

    <T, X extends Exception> T change(Change<T, X> change) throws X {
        try (Held ignored = Held.of(List.of(file))) {
            ObjectNode state = load();
            T out = change.apply(state);
            store(state);
            return out;
        }
    }

    static <T, X extends Exception> T changeBoth(LocalSite first, LocalSite last, BothChange<T, X> change) throws X {
        if (first.file.equals(last.file)) {
            return first.change(s -> change.apply(s, s));
        }
        try (Held ignored = Held.of(List.of(first.file, last.file))) {
            ObjectNode a = first.load();
            ObjectNode b = last.load();
            JsonNode before = a.deepCopy();
            T out = change.apply(a, b);
            if (!a.equals(before)) {
                first.store(a);
            }
            last.store(b);
            return out;
        }
    }

    /**
     * Writes the state files of every {@code local:} site of the inventory, replacing what they held:
     * each VM's source domain and disks on its source site, its controller domain, in-sync replicas and
     * replication entry on its recovery site, and the networks each side needs.
     */
    public static void seed(Inventory inventory) {
        Map<Path, ObjectNode> states = new LinkedHashMap<>();
        inventory.sites().values().forEach(s -> pathOf(s.uri()).ifPresent(p -> states.computeIfAbsent(
                at(p).file, k -> empty())));
        for (Inventory.Vm vm : inventory.vms()) {
            state(inventory, vm.sourceSite(), states).ifPresent(s -> SiteSeed.source(s, vm));
            state(inventory, vm.recoverySite(), states).ifPresent(s -> SiteSeed.recovery(s, vm, inventory));
        }
        states.forEach((path, state) -> at(path).replace(state));
    }

    /** The state without the record of applied calls and without sync times: what a rollback must restore. */
    public JsonNode resources() {
        ObjectNode state = load();
        state.remove("applied");
        state.path("replication").forEach(r -> ((ObjectNode) r).remove("lastSync"));
        return state;
    }

    /** Records a guest's remediation report, as the guest of {@code vm} would. */
    public void report(String vm, String status, List<Action> actions) {
        update(state -> {
            ObjectNode entry = section(state, "remediation").withObjectProperty(vm);
            entry.put("status", status);
            ArrayNode list = entry.putArray("actions");
            actions.forEach(a -> list.addObject().put("action", a.action()).put("outcome", a.outcome())
                    .put("detail", a.detail()));
            if (!entry.has("staged")) {
                entry.putArray("staged");
            }
            return null;
        });
    }

    /** One action of a remediation report. */
    public record Action(String action, String outcome, String detail) {
    }

    /** The idempotency keys of every applied call, in the order they were first applied. */
    public List<String> appliedKeys() {
        List<String> keys = new ArrayList<>();
        load().path("applied").properties().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    static ObjectNode section(ObjectNode state, String name) {
        return state.has(name) ? (ObjectNode) state.get(name) : state.putObject(name);
    }

    private static ObjectNode empty() {
        ObjectNode state = JSON.createObjectNode();
        SECTIONS.forEach(state::putObject);
        return state;
    }

    private static Optional<ObjectNode> state(Inventory inventory, String site, Map<Path, ObjectNode> states) {
        return Optional.ofNullable(inventory.sites().get(site)).flatMap(s -> pathOf(s.uri()))
                .map(p -> states.get(at(p).file));
    }

    private void replace(ObjectNode state) {
        try (Held ignored = Held.of(List.of(file))) {
            store(state);
        }
    }

    private ObjectNode load() {
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(file));
            if (node instanceof ObjectNode state) {
                return state;
            }
            throw new IOException("it holds no JSON object");
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("site state " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("site state " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private void store(ObjectNode state) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(state));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("site state " + file + " cannot be written: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path tmp) {
        try {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException ignored) {
            // A stray temp file is harmless: nothing reads it.
        }
    }

    /** The in-process and OS locks of some state files, taken in path order so two sites never deadlock. */
    private static final class Held implements AutoCloseable {
        private final List<ReentrantLock> locks = new ArrayList<>();
        private final List<FileChannel> channels = new ArrayList<>();

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
            try {
                Files.createDirectories(file.getParent());
                FileChannel channel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                channels.add(channel);
                channel.lock();
            } catch (IOException e) {
                throw new UncheckedIOException("site state " + file + " cannot be locked: " + e.getMessage(), e);
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
            for (int i = locks.size() - 1; i >= 0; i--) {
                locks.get(i).unlock();
            }
        }
    }
}
