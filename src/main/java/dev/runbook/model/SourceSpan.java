package dev.runbook.model;

/** A place in a source file, 1-based, printed as {@code file:line:column}. */
public record SourceSpan(String file, int line, int column) {

    public static SourceSpan start(String file) {
        return new SourceSpan(file, 1, 1);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
