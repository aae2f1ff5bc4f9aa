package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The disk operations, done by {@code qemu-img} (Debian package {@code qemu-utils}): internal snapshots
 * of qcow2 images, copies between images and comparisons. An interrupted call kills the process.
 */
public final class QemuImg {

    private QemuImg() {
    }

    static ProgramOutput run(List<String> args) throws PrimitiveException, InterruptedException {
        return HostTool.run("qemu-img", INSTALL, args);
    }

    private static final String INSTALL = "apt-get install qemu-utils";

    /** Runs qemu-img and fails with its message unless it exits 0. */
    public static String check(String... args) throws PrimitiveException, InterruptedException {
        ProgramOutput outcome = run(List.of(args));
        if (outcome.exit() != 0) {
            throw new PrimitiveException("qemu-img " + String.join(" ", args) + " failed: "
                    + (outcome.err().isEmpty() ? "exit " + outcome.exit() : outcome.err()));
        }
        return outcome.out();
    }

    /** {@code qemu-img info} of an image, read without taking its lock. */
    public static JsonNode info(Path disk) throws PrimitiveException, InterruptedException {
        try {
            return StateFile.JSON.readTree(check("info", "--output=json", "-U", disk.toString()));
        } catch (IOException e) {
            throw new PrimitiveException("qemu-img info of " + disk + " printed no JSON: " + e.getMessage(), e);
        }
    }

    public static Set<String> snapshots(Path disk) throws PrimitiveException, InterruptedException {
        Set<String> names = new HashSet<>();
        info(disk).path("snapshots").forEach(s -> names.add(s.path("name").asText()));
        return names;
    }

    public static void snapshot(Path disk, String name) throws PrimitiveException, InterruptedException {
        check("snapshot", "-c", name, disk.toString());
    }

    public static void revert(Path disk, String name) throws PrimitiveException, InterruptedException {
        check("snapshot", "-a", name, disk.toString());
    }

    public static void deleteSnapshot(Path disk, String name) throws PrimitiveException, InterruptedException {
        check("snapshot", "-d", name, disk.toString());
    }

    /** Writes the content of {@code from} into the existing image {@code to}, keeping its snapshots. */
    public static void copyInto(Path from, Path to) throws PrimitiveException, InterruptedException {
        check("convert", "-U", "-n", "-O", format(to), from.toString(), to.toString());
    }

    /** True when the two images hold the same content, by {@code qemu-img compare}. */
    public static boolean identical(Path a, Path b) throws PrimitiveException, InterruptedException {
        ProgramOutput outcome = run(List.of("compare", "-U", a.toString(), b.toString()));
        if (outcome.exit() > 1) {
            throw new PrimitiveException("qemu-img compare " + a + " " + b + " failed: " + outcome.err());
        }
        return outcome.exit() == 0;
    }

    /** What {@code qemu-img compare} says of two images: "Images are identical." or where they first differ. */
    public static String compare(Path a, Path b) throws PrimitiveException, InterruptedException {
        ProgramOutput outcome = run(List.of("compare", "-U", a.toString(), b.toString()));
        if (outcome.exit() > 1) {
            throw new PrimitiveException("qemu-img compare " + a + " " + b + " failed: " + outcome.err());
        }
        return outcome.out();
    }

    /** The image's format as qemu-img detects it. */
    public static String format(Path disk) throws PrimitiveException, InterruptedException {
        if (!Files.exists(disk)) {
            throw new PrimitiveException("disk " + disk + " does not exist");
        }
        return info(disk).path("format").asText();
    }
}
