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
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A site's state: a JSON object of sections. Every change rewrites a file atomically (a temporary file
 * renamed over it) under a lock that excludes other threads and other processes, so a change either happened
 * completely or not at all, even when the process is killed.
 *
 * <p>What belongs to one VM is kept in a file of that VM's ({@code <name>.vms/<vm>.json} beside the site's
 * file): its entries of the sections keyed by VM ({@link #BY_VM}) and the calls its runs applied or intend
 * ({@link #BY_CALL}). A change to one VM, through {@link #vm}, reads and writes that VM's file alone, so a
 * call costs the same on a site of a thousand VMs as on a site of one. {@link #read} and {@link #write} of the
 * site see and take the whole state, its VMs' files included; a VM's file counts only while the site's file
 * exists.
 */
public final class StateFile {

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    /**
     * The content last read or written by this process, by file, with the identity of the file it came from: a
     * site of many VMs keeps a large state, and parsing it again on every call cost more than the call.
     */
    private static final Map<Path, Known> KNOWN = new ConcurrentHashMap<>();

    private record Known(Object stamp, ObjectNode state) {
    }

    /** Sections whose entries are keyed by VM name, each kept in that VM's file. */
    static final List<String> BY_VM = List.of("replication", "owners", "remediation");
    /** Sections keyed by call, kept in the file of the VM the call is for. */
    static final List<String> BY_CALL = List.of("applied", "intents");
    private static final java.util.regex.Pattern VM_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path file;
    /** The VM whose part of the state this is; null for the whole site. */
    private final String vm;

    private StateFile(Path file, String vm) {
        this.file = file.toAbsolutePath().normalize();
        this.vm = vm;
    }

    /** The state kept in {@code file}; the file need not exist yet. */
    public static StateFile at(Path file) {
        return new StateFile(file, null);
    }

    /**
     * The part of this site's state that belongs to {@code vm}: an object of the same shape as the whole, holding
     * only that VM's entries. Its changes take the site's lock.
     */
    public StateFile vm(String name) {
        if (!VM_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' cannot name a VM's state file");
        }
        return new StateFile(file, name);
    }

    /** The site's file (where its lock is), also for a VM's part. */
    public Path file() {
        return file;
    }

    /** The file this state is kept in: the site's, or for a VM's part that VM's. */
    public Path kept() {
        return vm == null ? file : vmFile(vm);
    }

    /** True when the site's file exists. */
    public boolean exists() {
        return Files.exists(file);
    }

    private Path vmsFolder() {
        String name = file.getFileName().toString();
        return file.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".vms");
    }

    private Path vmFile(String name) {
        return vmsFolder().resolve(name + ".json");
    }

    /** A copy of the current state: of the whole site, or of one VM's part. */
    public ObjectNode read() {
        if (!exists()) {
            throw new UncheckedIOException("state file " + file + " does not exist", new NoSuchFileException(file.toString()));
        }
        if (vm != null) {
            if (readFile(file).filter(StateFile::holdsVms).isPresent()) {
                at(file).change(whole -> null); // a site kept in one file: each VM's part moves to its own
            }
            return readFile(vmFile(vm)).orElseGet(JSON::createObjectNode);
        }
        ObjectNode whole = readFile(file).orElseThrow(
                () -> new UncheckedIOException("state file " + file + " does not exist", new NoSuchFileException(file.toString())));
        for (Map.Entry<String, ObjectNode> part : parts().entrySet()) {
            part.getValue().properties().forEach(section -> {
                if (section.getValue() instanceof ObjectNode entries) {
                    section(whole, section.getKey()).setAll(entries);
                }
            });
        }
        return whole;
    }

    /** True when a site's file holds entries that belong in its VMs' files. */
    private static boolean holdsVms(ObjectNode site) {
        return BY_VM.stream().anyMatch(section -> site.path(section).propertyStream()
                .anyMatch(e -> VM_NAME.matcher(e.getKey()).matches()));
    }

    /** Every VM's part, by VM. */
    private Map<String, ObjectNode> parts() {
        Map<String, ObjectNode> out = new java.util.TreeMap<>();
        try (var files = Files.list(vmsFolder())) {
            for (Path f : (Iterable<Path>) files.filter(f -> f.getFileName().toString().endsWith(".json"))::iterator) {
                String name = f.getFileName().toString();
                readFile(f).ifPresent(part -> out.put(name.substring(0, name.length() - 5), part));
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("the VM records beside state file " + file + " cannot be listed: "
                    + e.getMessage(), e);
        }
        return out;
    }

    /** A copy of a file's JSON object; empty when there is no such file. */
    private static Optional<ObjectNode> readFile(Path f) {
        try {
            Object stamp = stampOf(f);
            Known known = KNOWN.get(f);
            if (known != null && known.stamp().equals(stamp)) {
                return Optional.of(known.state().deepCopy());
            }
            JsonNode node = JSON.readTree(Files.readAllBytes(f));
            if (node instanceof ObjectNode state) {
                KNOWN.put(f, new Known(stamp, state.deepCopy()));
                return Optional.of(state);
            }
            throw new IOException("it holds no JSON object");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("state file " + f + " cannot be read: " + e.getMessage(), e);
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
        if (first.file.equals(last.file) && Objects.equals(first.vm, last.vm)) {
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

    /**
     * Replaces the state at once: of one VM's part, or of the whole site, whose VMs' entries go to their files.
     * Callers that read first hold the lock through {@link #change} or {@link #lock}.
     */
    public void write(ObjectNode state) {
        try (Held ignored = Held.of(List.of(file))) {
            if (vm != null) {
                writeVm(vm, state);
                return;
            }
            Map<String, ObjectNode> before = parts();
            Map<String, ObjectNode> after = new java.util.TreeMap<>();
            ObjectNode site = state.deepCopy();
            for (String section : BY_VM) {
                if (site.get(section) instanceof ObjectNode entries) {
                    for (String key : entries.propertyStream().map(Map.Entry::getKey).toList()) {
                        if (VM_NAME.matcher(key).matches()) {
                            section(part(after, key), section).set(key, entries.remove(key));
                        }
                    }
                    if (entries.isEmpty()) {
                        site.remove(section);
                    }
                }
            }
            for (String section : BY_CALL) {
                if (site.get(section) instanceof ObjectNode entries) {
                    for (String key : entries.propertyStream().map(Map.Entry::getKey).toList()) {
                        Optional<String> owner = before.entrySet().stream()
                                .filter(p -> p.getValue().path(section).has(key)).map(Map.Entry::getKey).findFirst()
                                .or(() -> ownerOfCall(state, key));
                        owner.ifPresent(name -> section(part(after, name), section).set(key, entries.remove(key)));
                    }
                    if (entries.isEmpty()) {
                        site.remove(section);
                    }
                }
            }
            // The VMs' files first: cut off before the site's file is written, the entries are in both, alike.
            for (String name : union(before.keySet(), after.keySet())) {
                ObjectNode now = after.getOrDefault(name, JSON.createObjectNode());
                if (!now.equals(before.get(name))) {
                    writeVm(name, now);
                }
            }
            writeFile(file, site);
        }
    }

    /** The VM whose owner record names the run of call {@code key} (run/step/phase), if one does. */
    private static Optional<String> ownerOfCall(ObjectNode state, String key) {
        String run = key.substring(0, Math.max(0, key.indexOf('/')));
        return state.path("owners").propertyStream().filter(e -> VM_NAME.matcher(e.getKey()).matches())
                .filter(e -> run.equals(e.getValue().path("run").asText())
                        || e.getValue().path("lineage").valueStream().anyMatch(r -> run.equals(r.asText())))
                .map(Map.Entry::getKey).findFirst();
    }

    /** Replaces one VM's part; a part left empty is removed. */
    private void writeVm(String name, ObjectNode content) {
        ObjectNode part = content.deepCopy();
        for (String section : BY_VM) {
            part.path(section).fieldNames().forEachRemaining(key -> {
                if (!key.equals(name)) {
                    throw new IllegalArgumentException("the state of vm '" + name + "' cannot hold " + section + " of '"
                            + key + "'");
                }
            });
        }
        part.remove(part.propertyStream().filter(e -> e.getValue() instanceof ObjectNode o && o.isEmpty())
                .map(Map.Entry::getKey).toList());
        Path f = vmFile(name);
        if (part.isEmpty()) {
            try {
                KNOWN.remove(f);
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new UncheckedIOException("state file " + f + " cannot be removed: " + e.getMessage(), e);
            }
            return;
        }
        writeFile(f, part);
    }

    private static void writeFile(Path f, ObjectNode content) {
        try {
            KNOWN.remove(f);
            replace(f, JSON.writeValueAsBytes(content));
            KNOWN.put(f, new Known(stampOf(f), content.deepCopy()));
        } catch (IOException e) {
            throw new UncheckedIOException("state file " + f + " cannot be written: " + e.getMessage(), e);
        }
    }

    private static ObjectNode part(Map<String, ObjectNode> parts, String vm) {
        return parts.computeIfAbsent(vm, k -> JSON.createObjectNode());
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> out = new java.util.TreeSet<>(a);
        out.addAll(b);
        return out;
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

    /**
     * What tells a file from the one that replaced it: its file key, modification time and size. Every change
     * replaces the file with a new one, so the key alone changes with each.
     */
    public static Object stampOf(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime().toInstant(), a.size());
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
