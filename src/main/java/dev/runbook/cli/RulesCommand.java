package dev.runbook.cli;

import dev.runbook.check.Checker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code runbook rules}: the ids of the semantic rules, as they appear in messages. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "List the semantic rules by id.")
final class RulesCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        var out = spec.commandLine().getOut();
        for (String[] rule : Checker.rules()) {
            out.printf("%-18s %s%n", rule[0], rule[1]);
        }
        out.flush();
    }
}
