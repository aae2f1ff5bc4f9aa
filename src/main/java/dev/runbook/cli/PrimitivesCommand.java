package dev.runbook.cli;

import dev.runbook.primitive.Catalog;
import dev.runbook.primitive.PrimitiveSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code runbook primitives}: what runbooks can call, with parameters and default undo. */
@Command(name = "primitives", mixinStandardHelpOptions = true,
        description = "List the primitives and probes runbooks can use, with their parameters.")
final class PrimitivesCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        var out = spec.commandLine().getOut();
        for (String name : Catalog.standard().names()) {
            PrimitiveSpec p = Catalog.standard().find(name).orElseThrow();
            out.printf("%s  %s%s%n", name, p.probe() ? "probe" : p.mutates() ? "changes the site" : "read-only",
                    p.undo().map(u -> ", undo " + u).orElse(""));
            out.printf("    %s%n", p.summary());
            for (PrimitiveSpec.ParamSpec param : p.params()) {
                out.printf("    %-10s %-8s %s %s%n", param.name(), param.type().id(),
                        param.required() ? "required" : "optional", param.description());
            }
        }
        out.flush();
    }
}
