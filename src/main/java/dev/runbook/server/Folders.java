package dev.runbook.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The folders the server plans from: runbooks, inventories and recovery plans are named relative to them, never by a path
 * of the caller's choosing. A name that leaves its folder ({@code ..}, an absolute path, a symbolic link
 * pointing out) is refused; so is anything but a regular file (the bounded reader refuses those too).
 */
public record Folders(Path runbooks, Path inventories, Path recoveryPlans) {

    public Folders {
        runbooks = runbooks.toAbsolutePath().normalize();
        inventories = inventories.toAbsolutePath().normalize();
        recoveryPlans = recoveryPlans.toAbsolutePath().normalize();
    }

    /** Recovery plans from {@code recovery-plans/} beside the runbooks' folder. */
    public Folders(Path runbooks, Path inventories) {
        this(runbooks, inventories, runbooks.toAbsolutePath().normalize().getParent().resolve("recovery-plans"));
    }

    Path recoveryPlan(String name) {
        return resolve(recoveryPlans, name, "plan", "recovery plans");
    }

    Path runbook(String name) {
        return resolve(runbooks, name, "runbook", "runbooks");
    }

    Path inventory(String name) {
        return resolve(inventories, name, "inventory", "inventories");
    }

    private static Path resolve(Path folder, String name, String field, String kind) {
        Path relative;
        try {
            relative = Path.of(name);
        } catch (RuntimeException e) {
            throw new Server.Failure(400, "'" + field + "' is not a file name", "/" + field);
        }
        if (relative.isAbsolute() || name.contains("\\")) {
            throw new Server.Failure(400, "'" + field + "' names a file in the server's " + kind
                    + " folder, not a path; list that folder for the names", "/" + field);
        }
        Path file = folder.resolve(relative).normalize();
        if (!file.startsWith(folder)) {
            throw new Server.Failure(400, "'" + field + "' leaves the server's " + kind + " folder", "/" + field);
        }
        try {
            Path real = file.toRealPath();
            if (!real.startsWith(folder.toRealPath())) {
                throw new Server.Failure(400, "'" + field + "' leaves the server's " + kind
                        + " folder through a symbolic link", "/" + field);
            }
            if (!Files.isRegularFile(real)) {
                throw new Server.Failure(400, "'" + field + "' is not a regular file", "/" + field);
            }
        } catch (NoSuchFileException e) {
            throw new Server.Failure(404, "there is no " + field + " named '" + name + "' in the server's " + kind
                    + " folder", "/" + field);
        } catch (IOException e) {
            throw new Server.Failure(400, "'" + field + "' cannot be read", "/" + field);
        }
        return file;
    }
}
