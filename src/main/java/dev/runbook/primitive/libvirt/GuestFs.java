package dev.runbook.primitive.libvirt;

import dev.runbook.primitive.PrimitiveException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Files inside a disk image, through libguestfs's {@code guestfish} (Debian package
 * {@code libguestfs-tools}). One appliance is launched per session (about 10 to 13 seconds under TCG) and
 * every command goes to it in remote-control mode, so a session can look first (which filesystem is the
 * root?) and act after.
 *
 * <p>The root is found by libguestfs's OS inspection (its mount points, mounted in order); a disk it
 * cannot inspect but that holds exactly one filesystem has that one mounted at {@code /}. Windows paths
 * ({@code C:/ProgramData/...}) are taken relative to the system volume.
 *
 * <p>Unless the environment says otherwise, the appliance runs with {@code LIBGUESTFS_BACKEND=direct} and
 * {@code LIBGUESTFS_BACKEND_SETTINGS=force_tcg}: no libvirtd is needed, and it works where KVM does not.
 */
public final class GuestFs implements LibvirtSiteBuilder.GuestDisk {

    private static final Pattern PID = Pattern.compile("GUESTFISH_PID=(\\d+)");
    private static final long COMMAND_TIMEOUT_SECONDS = 300;

    private final Path disk;
    private final String pid;
    private boolean failed;

    private GuestFs(Path disk, String pid) {
        this.disk = disk;
        this.pid = pid;
    }

    /** Launches an appliance on the disk and mounts its root filesystem; read-only unless {@code write}. */
    public static GuestFs open(Path disk, boolean write) throws PrimitiveException, InterruptedException {
        if (!Files.isRegularFile(disk)) {
            throw new PrimitiveException("disk " + disk + " does not exist");
        }
        List<String> command = List.of("guestfish", "--listen", write ? "--rw" : "--ro", "--format=qcow2",
                "-a", disk.toString());
        ProgramOutput started = exec(command, "open " + disk);
        Matcher m = PID.matcher(started.out());
        if (started.exit() != 0 || !m.find()) {
            throw new PrimitiveException("libguestfs could not open " + disk + ": " + started.lastLine());
        }
        GuestFs fs = new GuestFs(disk, m.group(1));
        try {
            fs.call("run");
            fs.mountRoot();
            return fs;
        } catch (PrimitiveException | InterruptedException | RuntimeException e) {
            fs.close();
            throw e;
        }
    }

    private void mountRoot() throws PrimitiveException, InterruptedException {
        List<String> roots = lines(call("inspect-os"));
        if (!roots.isEmpty()) {
            List<String[]> points = new ArrayList<>();
            for (String line : lines(call("inspect-get-mountpoints", roots.get(0)))) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    points.add(new String[] {line.substring(0, colon), line.substring(colon + 2)});
                }
            }
            points.sort(Comparator.comparingInt(p -> p[0].length()));
            for (String[] p : points) {
                call("mount", p[1], p[0]);
            }
            return;
        }
        List<String> filesystems = new ArrayList<>();
        for (String line : lines(call("list-filesystems"))) {
            int colon = line.indexOf(": ");
            String type = colon > 0 ? line.substring(colon + 2) : "";
            if (colon > 0 && !type.equals("swap") && !type.equals("unknown")) {
                filesystems.add(line.substring(0, colon));
            }
        }
        if (filesystems.size() != 1) {
            throw new PrimitiveException("cannot tell the root filesystem of " + disk + ": libguestfs found no "
                    + "operating system, and " + filesystems.size() + " filesystems " + filesystems);
        }
        call("mount", filesystems.get(0), "/");
    }

    /** A guest path as a path on the mounted root: a drive letter and backslashes become a plain path. */
    static String inside(String guestPath) {
        String p = guestPath.replace('\\', '/').replaceFirst("^[A-Za-z]:", "");
        return p.startsWith("/") ? p : "/" + p;
    }

    /** Writes {@code content} to {@code path} with the octal {@code mode}, creating its folders. */
    @Override
    public void write(String path, byte[] content, String mode) throws PrimitiveException, InterruptedException {
        String target = inside(path);
        String dir = target.substring(0, Math.max(1, target.lastIndexOf('/')));
        call("mkdir-p", dir);
        Path local;
        try {
            local = Files.createTempFile("runbook-stage", ".bin");
            Files.write(local, content);
        } catch (IOException e) {
            throw new PrimitiveException("cannot write a temporary file to stage " + path + ": " + e.getMessage(), e);
        }
        try {
            call("upload", local.toString(), target);
        } finally {
            try {
                Files.deleteIfExists(local);
            } catch (IOException ignored) {
                // a temporary file left behind holds nothing secret beyond the staged file itself
            }
        }
        if (!isWindowsPath(path)) {
            call("chmod", "0" + Integer.toOctalString(Integer.parseInt(mode, 8) & 07777), target);
        }
    }

    /** A symbolic link at {@code link} pointing at {@code target}, replacing one that is there. */
    public void symlink(String target, String link) throws PrimitiveException, InterruptedException {
        String at = inside(link);
        call("mkdir-p", at.substring(0, Math.max(1, at.lastIndexOf('/'))));
        call("ln-sf", target, at);
    }

    /** Removes a file if it is there. */
    public void remove(String path) throws PrimitiveException, InterruptedException {
        call("rm-f", inside(path));
    }

    /** The content of a file, or empty when there is none. */
    @Override
    public Optional<String> read(String path) throws PrimitiveException, InterruptedException {
        String target = inside(path);
        if (!"true".equals(call("is-file", target).strip())) {
            return Optional.empty();
        }
        // download, not cat: cat adds a newline of its own.
        Path local;
        try {
            local = Files.createTempFile("runbook-read", ".bin");
        } catch (IOException e) {
            throw new PrimitiveException("cannot make a temporary file to read " + path + " into: " + e.getMessage(), e);
        }
        try {
            call("download", target, local.toString());
            return Optional.of(Files.readString(local, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PrimitiveException("cannot read " + path + " from " + disk + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(local);
            } catch (IOException ignored) {
                // a temporary copy of a guest file
            }
        }
    }

    /** Copies a file of the disk to a local file. */
    public void download(String path, Path local) throws PrimitiveException, InterruptedException {
        call("download", inside(path), local.toString());
    }

    /** Replaces a file of the disk with a local file's content. */
    public void upload(Path local, String path) throws PrimitiveException, InterruptedException {
        call("upload", local.toString(), inside(path));
    }

    /**
     * The path as the disk spells it, found case-insensitively (Windows names such as
     * {@code Windows/System32/config/SYSTEM}); empty when nothing matches.
     */
    public Optional<String> actualPath(String path) throws PrimitiveException, InterruptedException {
        // Walked name by name with calls that cannot fail: a failed call ends a remote guestfish.
        String found = "";
        for (String name : inside(path).substring(1).split("/")) {
            String dir = found.isEmpty() ? "/" : found;
            Optional<String> next = list(dir).stream().filter(n -> n.equalsIgnoreCase(name)).findFirst();
            if (next.isEmpty()) {
                return Optional.empty();
            }
            found = found + "/" + next.get();
        }
        return Optional.of(found);
    }

    /** Whether a path exists (file, folder or link). */
    @Override
    public boolean exists(String path) throws PrimitiveException, InterruptedException {
        return "true".equals(call("exists", inside(path)).strip());
    }

    /** The names in a folder; empty when it is not there. */
    public List<String> list(String path) throws PrimitiveException, InterruptedException {
        String target = inside(path);
        if (!"true".equals(call("is-dir", target).strip())) {
            return List.of();
        }
        return lines(call("ls", target));
    }

    /** What a command run inside the disk printed (its output and errors, together) and how it exited. */
    public record Ran(int exit, String output) {
        /** The last lines of the output, for a message. */
        public String tail() {
            List<String> lines = output.strip().lines().toList();
            return lines.isEmpty() ? "no output" : String.join("; ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        }
    }

    /**
     * Runs a command line with the disk's own /bin/sh, inside the appliance with the disk as its root.
     * A failing command is returned, not thrown: its output is what says why, and a failed guestfish
     * call would lose it (and end the session).
     */
    public Ran shell(String commandLine) throws PrimitiveException, InterruptedException {
        String out = call("sh", "out=$( " + commandLine + " 2>&1 ); status=$?; echo \"$status\"; printf '%s' \"$out\"");
        int nl = out.indexOf('\n');
        String first = (nl < 0 ? out : out.substring(0, nl)).strip();
        if (!first.matches("\\d+")) {
            throw new PrimitiveException("libguestfs sh on " + disk + " printed no exit status: " + out.strip());
        }
        return new Ran(Integer.parseInt(first), nl < 0 ? "" : out.substring(nl + 1));
    }

    /** Flushes, unmounts and ends the appliance. */
    @Override
    public void close() throws PrimitiveException, InterruptedException {
        try {
            // A failed command ends a remote guestfish, whose handle syncs its filesystems as it closes
            // (autosync): then there is nothing left to unmount, and its failure was already reported.
            if (!failed) {
                call("umount-all");
            }
        } finally {
            exec(List.of("guestfish", "--remote=" + pid, "--", "exit"), "close " + disk);
        }
    }

    private String call(String... args) throws PrimitiveException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("guestfish", "--remote=" + pid, "--"));
        command.addAll(List.of(args));
        ProgramOutput r = exec(command, args[0] + " on " + disk);
        if (r.exit() != 0) {
            failed = true;
            throw new PrimitiveException("libguestfs " + String.join(" ", args) + " on " + disk + " failed: " + r.lastLine());
        }
        return r.out();
    }


    private static ProgramOutput exec(List<String> command, String what) throws PrimitiveException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.putIfAbsent("LIBGUESTFS_BACKEND", "direct");
        env.putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Path err;
        Path out;
        Process p;
        try {
            // Files, not pipes: `guestfish --listen` leaves a daemon behind that would hold a pipe open.
            out = Files.createTempFile("guestfish", ".out");
            err = Files.createTempFile("guestfish", ".err");
            p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        } catch (IOException e) {
            throw new PrimitiveException("guestfish cannot be started (" + e.getMessage()
                    + "); install it: apt-get install libguestfs-tools", e);
        }
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new PrimitiveException("libguestfs " + what + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            return new ProgramOutput(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PrimitiveException("cannot read what guestfish printed: " + e.getMessage(), e);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            try {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // temporary files of the process's own output
            }
        }
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    static boolean isWindowsPath(String path) {
        return path.matches("^[A-Za-z]:.*") || path.contains("\\");
    }
}
