package dev.runbook.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.app.RunReport;
import dev.runbook.cli.ReportLayout.Block;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A run report as Markdown (CommonMark with tables). Every value is escaped: control characters shown as
 * {@code \x1b} ({@link Printable}), and every character Markdown gives a meaning (emphasis, links, HTML,
 * table cells, headings) behind a backslash, so no value can add markup, a link or a line.
 */
final class ReportMarkdown {

    /**
     * Characters that mean something inside a line: emphasis, code, links and images (which need a
     * bracket), raw HTML and entities, table cells, strikethrough, a heading's closing marks.
     */
    private static final String SIGNIFICANT = "\\`*_[]<>#|~&";
    /** What starts a block when it begins a line: a list, a quote, a thematic break, a setext underline. */
    private static final Pattern BLOCK_START = Pattern.compile("^(?:[-+=>]|(\\d{1,9})([.)]))");
    /** What may stand in a code span as written: nothing that could end it or start a line. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9 ._:/=+@,-]+");

    private ReportMarkdown() {
    }

    static String print(ObjectNode report) {
        StringBuilder out = new StringBuilder();
        for (Block b : ReportLayout.of(report, RunReport.Format.MD)) {
            switch (b) {
                case Block.Heading h -> out.append("#".repeat(h.level())).append(' ').append(escape(h.text())).append('\n');
                case Block.Paragraph p -> out.append(escape(p.text())).append('\n');
                case Block.Facts f -> {
                    out.append("| | |\n|---|---|\n");
                    f.rows().forEach(r -> out.append("| **").append(escape(r.get(0))).append("** | ")
                            .append(cell(r.get(1))).append(" |\n"));
                }
                case Block.Table t -> table(t, out);
                case Block.Literal l -> {
                    // a quote, one paragraph per line, each line escaped like any other value
                    String[] lines = Printable.text(l.text()).split("\n", -1);
                    for (int i = 0; i < lines.length; i++) {
                        out.append(i == 0 ? "" : ">\n").append("> ").append(lineStart(escape(lines[i]))).append('\n');
                    }
                }
                case Block.Code c -> out.append(PLAIN.matcher(c.text()).matches() ? "`" + c.text() + "`"
                        : lineStart(escape(c.text()))).append('\n');
            }
            out.append('\n');
        }
        out.setLength(out.length() - 1); // one newline at the end, as editors keep it
        return out.toString();
    }

    /** A value that begins a line, escaped so that it cannot start a list, a quote or a break there. */
    private static String lineStart(String escaped) {
        var m = BLOCK_START.matcher(escaped);
        if (!m.find()) {
            return escaped;
        }
        return m.group(1) == null ? "\\" + escaped : m.group(1) + "\\" + escaped.substring(m.group(1).length());
    }

    private static void table(Block.Table t, StringBuilder out) {
        row(t.header(), out);
        out.append("|---".repeat(t.header().size())).append("|\n");
        t.rows().forEach(r -> row(r, out));
    }

    private static void row(List<String> cells, StringBuilder out) {
        out.append('|');
        cells.forEach(c -> out.append(' ').append(cell(c)).append(" |"));
        out.append('\n');
    }

    private static String cell(String s) {
        String e = escape(s);
        return e.isBlank() ? "-" : e;
    }

    /** One value on one line, with every control and Markdown-significant character escaped. */
    static String escape(String s) {
        String p = ReportLayout.field(s);
        StringBuilder out = new StringBuilder(p.length() + 8);
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (SIGNIFICANT.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
