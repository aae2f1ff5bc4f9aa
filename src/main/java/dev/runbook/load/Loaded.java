package dev.runbook.load;

import dev.runbook.model.Diagnostic;
import java.util.List;
import java.util.Optional;

/** What a stage produced, if it could, and everything it found wrong. */
public record Loaded<T>(Optional<T> value, List<Diagnostic> diagnostics) {

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }
}
