package dev.runbook.cli;

/**
 * Text from the journal as a terminal may show it. Values can come from outside (a guest's report, a
 * primitive's error): control characters would move the cursor, recolour the screen or forge lines, so
 * they are shown escaped ({@code \x1b}, {@code \n}), as are the marks that reorder text (bidi controls).
 */
final class Printable {

    private Printable() {
    }

    /** One value on one line: every control character escaped, line breaks included. */
    static String field(String s) {
        return escape(s, false);
    }

    /** A message that may span lines: line breaks kept, every other control character escaped. */
    static String text(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean keepNewlines) {
        if (s == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 && !(keepNewlines && c == '\n') && c != '\t' || c >= 0x7f && c <= 0x9f
                    || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 || c == 0x200e || c == 0x200f;
            if (control && out == null) {
                out = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (out != null) {
                if (!control) {
                    out.append(c);
                } else if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else if (c <= 0xff) {
                    out.append(String.format("\\x%02x", (int) c));
                } else {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        return out == null ? s : out.toString();
    }
}
