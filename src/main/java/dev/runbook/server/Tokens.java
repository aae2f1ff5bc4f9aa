package dev.runbook.server;

import dev.runbook.model.Hashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.function.Consumer;

/** The server's bearer token: kept in a file only its owner reads, compared in constant time. */
public final class Tokens {

    private Tokens() {
    }

    /** The shortest token the server accepts: 32 bytes, 256 bits when made at random. */
    public static final int MIN_LENGTH = 32;

    /** A token file the server will not use, and why. */
    public static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /**
     * The token in {@code file}, made (mode 0600) when there is none; {@code made} is told when it was.
     * An existing file must be readable by its owner only and hold at least {@link #MIN_LENGTH} characters.
     */
    public static String token(Path file, Consumer<String> made) throws IOException {
        if (Files.exists(file)) {
            return existing(file);
        }
        String token = Hashes.randomToken();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n");
        made.accept(token);
        return token;
    }

    private static String existing(Path file) throws IOException {
        var permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream().anyMatch(p -> p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_"))) {
            throw new Refused(file + " can be read by others (mode " + PosixFilePermissions.toString(permissions)
                    + "); make it readable by its owner only: chmod 600 " + file);
        }
        String token;
        try {
            token = dev.runbook.load.BoundedFile.read(file, 4096).strip();
        } catch (dev.runbook.load.BoundedFile.Refused e) {
            throw new Refused(file + ": " + e.getMessage());
        }
        if (token.length() < MIN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new Refused(file + " holds a token shorter than " + MIN_LENGTH + " characters or with spaces or"
                    + " control characters; delete the file and the server makes a new one");
        }
        return token;
    }

    /** True when the {@code Authorization} header carries the token. */
    static boolean authorized(String header, String token) {
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(header.substring(7).strip().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }
}
