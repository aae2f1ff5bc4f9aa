package dev.runbook.cli;

import dev.runbook.app.Scaffold;
import dev.runbook.app.Shipped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runbook init DIR}: starts a repository of a team's own runbooks from a working layout. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Start a runbook repository in DIR (new, or holding none of the files it writes): copies of the "
                + "shipped runbooks, an inventory to fill in, the JSON schemas mapped for the editor, ci/validate.sh "
                + "and a README. Refused (exit 2), writing nothing, when any of those files exists there.")
final class InitCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The repository's folder.")
    Path dir;

    @Option(names = "--runbooks", paramLabel = "DIR",
            description = "The runbooks to copy (default: those shipped with runbook).")
    Path runbooks;

    @Override
    public Integer call() throws IOException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Scaffold.Outcome outcome = Scaffold.write(dir, runbooks != null ? runbooks : Shipped.runbooks());
        switch (outcome) {
            case Scaffold.Outcome.Written w -> {
                out.println("runbook repository in " + dir + ":");
                w.files().forEach(f -> out.println("  " + f));
                out.println("Next: fill in inventories/inventory.yaml, then check everything as CI will: "
                        + "ci/validate.sh (runbook validate runbooks/*.yaml inventories/*.yaml).");
            }
            case Scaffold.Outcome.Refused r -> {
                r.problems().forEach(p -> err.println("runbook: " + p));
                err.println("runbook: nothing written; name a new or empty folder, or move those files away");
            }
            case Scaffold.Outcome.Unavailable u -> err.println("runbook: " + u.message() + "; nothing written");
        }
        out.flush();
        err.flush();
        return outcome.exitCode();
    }
}
