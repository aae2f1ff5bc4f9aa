package dev.runbook.app;

import dev.runbook.load.BoundedFile;
import dev.runbook.load.Loader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A runbook repository to start from: copies of the shipped runbooks, an inventory to fill in, the JSON
 * Schemas with the editor's mapping onto runbooks and inventories, a script for CI that validates them all,
 * and a README. Everything is gathered before anything is written, and nothing that exists is overwritten.
 */
public final class Scaffold {

    /** One file of the repository: where it goes, relative to the repository's folder, and what it holds. */
    public record File(Path path, String text, boolean executable) {
    }

    /** How writing a repository ended. */
    public sealed interface Outcome {

        /** The repository was written: these files, relative to its folder, in this order. */
        record Written(List<Path> files) implements Outcome {
        }

        /** Nothing was written: each problem names a file in the way (or the folder itself) and what is wrong. */
        record Refused(List<String> problems) implements Outcome {
        }

        /** Nothing was written: the runbooks to copy could not be read. */
        record Unavailable(String message) implements Outcome {
        }

        default int exitCode() {
            return this instanceof Written ? ExitCodes.OK : ExitCodes.INVALID;
        }
    }

    /** The fixed files, from {@code scaffold/} on the class path, and where each goes. */
    private static final List<File> FIXED = List.of(
            fixed("README.md", "README.md", false),
            fixed("inventory.yaml", "inventories/inventory.yaml", false),
            fixed("vscode-settings.json", ".vscode/settings.json", false),
            fixed("validate.sh", "ci/validate.sh", true),
            fixed("gitignore", ".gitignore", false));

    private Scaffold() {
    }

    /** Why the runbooks to copy could not be read; the message names the file or folder. */
    private static final class NotCopied extends Exception {
        NotCopied(String message) {
            super(message, null, false, false);
        }
    }

    /** The repository's files, with copies of the runbooks in {@code runbooks}. */
    private static List<File> files(Path runbooks) throws NotCopied, IOException {
        List<Path> found = runbooksIn(runbooks);
        if (found.isEmpty()) {
            throw new NotCopied("no runbooks (*.yaml) in " + runbooks + " to copy; name a folder of runbooks with --runbooks DIR");
        }
        List<File> files = new ArrayList<>();
        for (Path runbook : found) {
            try {
                files.add(new File(Path.of("runbooks", runbook.getFileName().toString()), BoundedFile.read(runbook), false));
            } catch (BoundedFile.Refused e) {
                throw new NotCopied(runbook + ": " + e.getMessage());
            }
        }
        for (Loader.Kind kind : Loader.Kind.values()) {
            files.add(new File(Path.of("schemas", kind.schemaFile()), resource("/schemas/" + kind.schemaFile()), false));
        }
        files.addAll(FIXED);
        return files;
    }

    /**
     * Writes a repository into {@code dir} (made when missing), with copies of the runbooks in
     * {@code runbooks}; refused, with nothing written, when any of its files exists there already.
     */
    public static Outcome write(Path dir, Path runbooks) throws IOException {
        List<File> files;
        try {
            files = files(runbooks);
        } catch (NotCopied e) {
            return new Outcome.Unavailable(e.getMessage());
        }
        List<String> problems = problems(dir, files);
        if (!problems.isEmpty()) {
            return new Outcome.Refused(problems);
        }
        List<Path> written = new ArrayList<>();
        for (File f : files) {
            Path target = dir.resolve(f.path());
            Files.createDirectories(target.getParent());
            // CREATE_NEW: a file that appeared since the check is still not overwritten.
            Files.writeString(target, f.text(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (f.executable()) {
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            written.add(f.path());
        }
        return new Outcome.Written(written);
    }

    /** Why the files cannot go into {@code dir}: each one there already, and anything not a folder in their way. */
    private static List<String> problems(Path dir, List<File> files) {
        List<String> problems = new ArrayList<>();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            return List.of(dir + " exists and is not a folder; name a new or empty folder");
        }
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isWritable(existing)) {
            return List.of("cannot write into " + (existing == null ? dir : existing) + "; name a folder you can write");
        }
        List<Path> inTheWay = new ArrayList<>();
        for (File f : files) {
            for (Path p = f.path().getParent(); p != null; p = p.getParent()) {
                Path there = dir.resolve(p);
                if (Files.exists(there, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(there) && !inTheWay.contains(there)) {
                    inTheWay.add(there);
                    problems.add(there + " exists and is not a folder; init would put " + f.path() + " in it");
                }
            }
            Path target = dir.resolve(f.path());
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                problems.add(target + " exists; init does not overwrite files");
            }
        }
        return problems;
    }

    private static List<Path> runbooksIn(Path folder) throws NotCopied, IOException {
        if (!Files.isDirectory(folder)) {
            throw new NotCopied(folder + " is not a folder of runbooks; name one with --runbooks DIR");
        }
        List<Path> runbooks = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, "*.{yaml,yml}")) {
            entries.forEach(runbooks::add);
        }
        runbooks.removeIf(p -> !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
        runbooks.sort(null);
        return runbooks;
    }

    private static File fixed(String resource, String path, boolean executable) {
        return new File(Path.of(path), resource("/scaffold/" + resource), executable);
    }

    private static String resource(String name) {
        try (InputStream in = Scaffold.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
