package dev.runbook.model;

/** A finding about user input: where it is, which rule found it, and what to do. */
public record Diagnostic(SourceSpan span, Severity severity, String rule, String message) {

    public enum Severity {
        ERROR, WARNING;

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    public static Diagnostic error(SourceSpan span, String rule, String message) {
        return new Diagnostic(span, Severity.ERROR, rule, message);
    }

    public static Diagnostic warning(SourceSpan span, String rule, String message) {
        return new Diagnostic(span, Severity.WARNING, rule, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code runbooks/x.yaml:14:7: error [unknown-step]: ...} */
    @Override
    public String toString() {
        return span + ": " + severity + " [" + rule + "]: " + message;
    }
}
