package dev.runbook.server;

import dev.runbook.app.Ended;
import dev.runbook.app.Reporter;
import dev.runbook.exec.Result;
import dev.runbook.model.Diagnostic;
import java.util.ArrayList;
import java.util.List;

/**
 * What an operation reported, kept for an API answer: its message is the last line the CLI would print,
 * with the first located problem when the input was at fault.
 */
final class Lines implements Reporter {

    private final List<String> problems = new ArrayList<>();
    private String last = "";

    @Override
    public void info(String line) {
        last = line;
    }

    @Override
    public void problem(String line) {
        problems.add(line);
    }

    @Override
    public void diagnostics(List<Diagnostic> diagnostics) {
        diagnostics.stream().filter(Diagnostic::isError).map(Diagnostic::toString).forEach(problems::add);
    }

    @Override
    public void ended(Result result) {
        last = line(result);
    }

    /** The last line of what the operation ended with. */
    String last(Ended outcome) {
        String text = switch (outcome) {
            case Ended.Ran r -> line(r.result());
            case Ended.Refused r -> "refused: " + r.message();
            case Ended.Invalid i -> problems.isEmpty() ? i.message() : i.message() + ": " + problems.get(0);
            case Ended.Unchanged u -> u.message();
        };
        return text.strip().lines().reduce((a, b) -> b).orElse(last);
    }

    private static String line(Result r) {
        return r.refused() ? "refused: " + r.message() : "run " + r.runId() + " " + r.state().id() + ": " + r.message();
    }
}
