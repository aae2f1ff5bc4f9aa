package dev.runbook.cli;

import dev.runbook.model.Diagnostic;
import java.io.PrintWriter;
import java.util.List;

/** Prints diagnostics, one per line, and a count. */
final class Report {

    private Report() {
    }

    /** Prints and returns true when any was an error. */
    static boolean print(List<Diagnostic> diagnostics, PrintWriter err) {
        long errors = diagnostics.stream().filter(Diagnostic::isError).count();
        long warnings = diagnostics.size() - errors;
        diagnostics.forEach(err::println);
        if (errors > 0) {
            err.println(errors + (errors == 1 ? " error" : " errors")
                    + (warnings > 0 ? ", " + warnings + (warnings == 1 ? " warning" : " warnings") : ""));
        }
        err.flush();
        return errors > 0;
    }
}
