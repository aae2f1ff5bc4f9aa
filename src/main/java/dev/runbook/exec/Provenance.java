package dev.runbook.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Where a runbook file comes from in git, recorded with every run. */
public final class Provenance {

    private Provenance() {
    }

    /**
     * The last commit that touched the file, with {@code +dirty} when it has uncommitted changes; null
     * when the file is not in a git work tree or git is missing.
     */
    public static String gitCommit(Path file) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        String commit = git(dir, "log", "-1", "--format=%H", "--", abs.toString());
        if (commit == null || commit.isBlank()) {
            return null;
        }
        String status = git(dir, "status", "--porcelain", "--", abs.toString());
        return commit.strip() + (status != null && !status.isBlank() ? "+dirty" : "");
    }

    private static String git(Path dir, String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "git";
        cmd[1] = "-C";
        cmd[2] = dir.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
