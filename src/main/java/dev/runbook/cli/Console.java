package dev.runbook.cli;

import dev.runbook.app.Ended;
import dev.runbook.app.Reporter;
import dev.runbook.exec.Result;
import dev.runbook.model.Diagnostic;
import java.io.PrintWriter;
import java.util.List;

/** Shows what the application layer reports and returns on the terminal, and turns it into an exit code. */
final class Console implements Reporter {

    private final PrintWriter out;
    private final PrintWriter err;

    Console(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void info(String line) {
        out.println(Printable.text(line));
        out.flush();
    }

    @Override
    public void problem(String line) {
        err.println("runbook: " + Printable.text(line));
        err.flush();
    }

    @Override
    public void diagnostics(List<Diagnostic> diagnostics) {
        Report.print(diagnostics, err);
    }

    @Override
    public void ended(Result r) {
        line(r);
    }

    /** Prints how the operation ended and returns its documented exit code. */
    int end(Ended outcome) {
        switch (outcome) {
            case Ended.Ran r -> line(r.result());
            case Ended.Refused r -> problem("refused: " + r.message());
            case Ended.Invalid i -> problem(i.message());
            case Ended.Unchanged u -> info(u.message());
        }
        return outcome.exitCode();
    }

    private void line(Result r) {
        if (r.refused()) {
            problem("refused: " + r.message());
            return;
        }
        PrintWriter to = switch (r.state()) {
            case COMPLETED, AWAITING_DECISION, COMMITTED, ROLLED_BACK -> out;
            default -> err;
        };
        to.println("run " + r.runId() + " " + r.state().id() + ": " + Printable.text(r.message()));
        to.flush();
    }
}
