package dev.runbook.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The command line that starts {@code runbook} in a fresh JVM with this test's main classes and libraries.
 *
 * <p>The crash matrices start a child JVM per trial, hundreds in all, so the child starts from an ahead-of-time
 * cache where the JDK has one (25 and later): class loading and linking of GraalJS, Jackson and libvirt-java
 * are done once, by a training run, instead of in every child (5 s to 2.2 s for a test failover). A cache
 * holds classes from jars only, so the main and test classes are put in jars first; both are kept under
 * {@code target/child-jvm/}, named by a hash of what they hold, and rebuilt when the classes change.
 */
public final class ChildJvm {

    private static final Path DIR = Path.of("target", "child-jvm");

    private ChildJvm() {
    }

    /** java, the flags the launcher uses, the extra options, the class path and the main class. */
    public static List<String> command(String... jvmOptions) {
        List<String> cmd = new ArrayList<>(base());
        cmd.addAll(Prepared.AOT);
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", Prepared.CLASS_PATH, Main.class.getName()));
        return cmd;
    }

    private static List<String> base() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        int feature = Runtime.version().feature();
        if (feature >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        if (feature >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.add("-Dpolyglot.engine.WarnInterpreterOnly=false");
        cmd.add("-XX:TieredStopAtLevel=1"); // short-lived children: start fast rather than peak
        cmd.add("-XX:+UseSerialGC");
        return cmd;
    }

    /** Computed once per test JVM, on first use. */
    private static final class Prepared {
        static final String CLASS_PATH = classPath();
        static final List<String> AOT = aot(CLASS_PATH);
    }

    /** The libraries as they are; the main and test classes (the local site adapter is a test's) as jars. */
    private static String classPath() {
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!Files.isDirectory(p)) {
                out.add(entry);
            } else {
                out.add(jarOf(p).toString());
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static Path jarOf(Path classes) {
        try (Stream<Path> files = Files.walk(classes)) {
            List<Path> all = files.filter(Files::isRegularFile).sorted().toList();
            StringBuilder key = new StringBuilder(classes.toAbsolutePath().toString());
            for (Path f : all) {
                key.append('\n').append(classes.relativize(f)).append(' ').append(Files.size(f)).append(' ')
                        .append(Files.getLastModifiedTime(f).toMillis());
            }
            Path jar = DIR.resolve(classes.getFileName() + "-" + hash(key.toString()) + ".jar").toAbsolutePath();
            if (Files.exists(jar)) {
                return jar;
            }
            Files.createDirectories(DIR);
            Path tmp = Files.createTempFile(DIR, "classes", ".tmp");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp))) {
                for (Path f : all) {
                    out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The flag that starts a child from the cache, after a training run (the demo: a test failover and its rollback
     * on a test-driver site) has made it; nothing where the JDK has no such cache or the training fails, which only
     * makes the children slower, and says so.
     */
    private static List<String> aot(String classPath) {
        if (Runtime.version().feature() < 25) {
            return List.of();
        }
        List<String> base = base();
        Path cache = DIR.resolve(hash(base + "\n" + classPath) + ".aot").toAbsolutePath();
        List<String> use = List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off");
        if (Files.exists(cache)) {
            return use;
        }
        try {
            Path work = Files.createTempDirectory("child-jvm-training");
            Path tmp = work.resolve("cache.aot");
            List<String> cmd = new ArrayList<>(base);
            cmd.addAll(List.of("-XX:AOTCacheOutput=" + tmp, "-cp", classPath, Main.class.getName(),
                    "demo", "--dir", work.resolve("site").toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("training.log").toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(tmp)) {
                p.destroyForcibly();
                System.err.println("ChildJvm: no ahead-of-time cache, children start slower; see "
                        + work.resolve("training.log"));
                return List.of();
            }
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(work);
            return use;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
