package dev.runbook.app;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the runbooks shipped with this program are: under the installation the launcher names in
 * {@code RUNBOOK_HOME}, so that every command works from any working folder; else {@code runbooks/} in
 * the working folder.
 */
public final class Shipped {

    private Shipped() {
    }

    /** The shipped runbooks' folder. */
    public static Path runbooks() {
        String home = System.getenv("RUNBOOK_HOME");
        if (home != null && !home.isBlank() && Files.isDirectory(Path.of(home, "runbooks"))) {
            return Path.of(home, "runbooks").toAbsolutePath().normalize();
        }
        return Path.of("runbooks");
    }
}
