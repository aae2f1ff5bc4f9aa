package dev.runbook.model;

/** A {@code ${{ }}}-free JavaScript expression as written, with the JSON pointer of its value. */
public record Expr(String text, String pointer) {
}
