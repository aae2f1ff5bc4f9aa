package dev.runbook.app;

import dev.runbook.exec.Result;
import dev.runbook.model.Diagnostic;
import java.util.List;

/** What a front end shows while an operation goes on: the CLI prints it, the server collects it. */
public interface Reporter {

    /** A line for the operator about how the operation goes. */
    void info(String line);

    /** A line about something that went wrong or differs from what was asked. */
    void problem(String line);

    /** Located problems in a runbook or inventory. */
    void diagnostics(List<Diagnostic> diagnostics);

    /** A run that ended on the way to the operation's outcome (a decision run before the run it continues). */
    void ended(Result result);

    /** A reporter that keeps nothing. */
    Reporter NONE = new Reporter() {
        @Override
        public void info(String line) {
        }

        @Override
        public void problem(String line) {
        }

        @Override
        public void diagnostics(List<Diagnostic> diagnostics) {
        }

        @Override
        public void ended(Result result) {
        }
    };
}
