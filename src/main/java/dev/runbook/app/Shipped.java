package dev.runbook.app;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the runbooks (and the guest image script) shipped with this program are: under the installation
 * the launcher names in {@code RUNBOOK_HOME}, so that every command works from any working folder; else
 * under the working folder.
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

    /** The shipped recovery plans' folder, beside the runbooks'. */
    public static Path recoveryPlans() {
        return runbooks().toAbsolutePath().getParent().resolve("recovery-plans");
    }

    /**
     * The script that builds the real Linux guest's disk ({@code bin/lib/guest-image.sh}) of the
     * installation {@code RUNBOOK_HOME} names; else the one under the working folder.
     */
    public static Path guestImageScript() {
        String home = System.getenv("RUNBOOK_HOME");
        Path script = Path.of("bin", "lib", "guest-image.sh");
        if (home != null && !home.isBlank() && Files.isRegularFile(Path.of(home).resolve(script))) {
            return Path.of(home).resolve(script).toAbsolutePath().normalize();
        }
        return script.toAbsolutePath();
    }
}
