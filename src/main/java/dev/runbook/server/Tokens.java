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

    /** The token in {@code file}, made (mode 0600) when there is none; {@code made} is told when it was. */
    public static String token(Path file, Consumer<String> made) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file).strip();
        }
        String token = Hashes.randomToken();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n");
        made.accept(token);
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
