package dev.runbook.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way input files are read: regular files only (never a device, a FIFO or a folder, also not
 * through a symbolic link), at most a given number of bytes, checked before anything is buffered and again
 * while reading, and strictly UTF-8. A refusal says what to do and never quotes the file's content.
 */
public final class BoundedFile {

    /** The most any runbook, inventory or saved plan may hold: 4 bytes for each of the 1 MiB characters. */
    public static final long MAX_BYTES = YamlReader.MAX_CHARS * 4L;

    /** Why a file was not read: a rule id for diagnostics and a message that says what to do. */
    public static final class Refused extends Exception {
        private final String rule;

        Refused(String rule, String message) {
            super(message, null, false, false);
            this.rule = rule;
        }

        public String rule() {
            return rule;
        }
    }

    private BoundedFile() {
    }

    /** The file's text, read within {@link #MAX_BYTES}. */
    public static String read(Path file) throws Refused {
        return read(file, MAX_BYTES);
    }

    /** The file's text, read within {@code maxBytes}. */
    public static String read(Path file, long maxBytes) throws Refused {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new Refused("unreadable", "cannot read file: " + reason(e));
        }
        if (!attributes.isRegularFile()) {
            throw new Refused("not-a-file", (attributes.isDirectory() ? "is a folder" : "is not a regular file (a device"
                    + " or a FIFO)") + "; name a runbook, inventory or plan file");
        }
        if (attributes.size() > maxBytes) {
            throw new Refused("too-large", "file is larger than the limit of " + limit(maxBytes) + "; split it");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        } catch (IOException e) {
            throw new Refused("unreadable", "cannot read file: " + reason(e));
        }
        if (bytes.length > maxBytes) {
            throw new Refused("too-large", "file is larger than the limit of " + limit(maxBytes) + "; split it");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Refused("encoding", "file is not valid UTF-8; save it as UTF-8");
        }
    }

    private static String limit(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    /** The kind of failure, never the content: an exception's message may quote what it read. */
    private static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such file";
            case java.nio.file.AccessDeniedException a -> "permission denied";
            default -> e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase();
        };
    }
}
