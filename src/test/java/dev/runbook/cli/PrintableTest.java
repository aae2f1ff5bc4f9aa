package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What comes from outside is shown escaped: no terminal escape, no forged line, no reordered text. */
class PrintableTest {

    @Test
    void controlCharactersAreShownEscaped() {
        assertEquals("ok\\x1b[2J\\nforged: succeeded\\x07", Printable.field("ok\u001b[2J\nforged: succeeded\u0007"));
        assertEquals("abc\\u202edcba", Printable.field("abc\u202edcba"));
        assertEquals("line one\nline two \\x1b]0;title\\x07", Printable.text("line one\nline two \u001b]0;title\u0007"));
        assertEquals("plain text, tabs\tkept", Printable.field("plain text, tabs\tkept"));
    }
}
