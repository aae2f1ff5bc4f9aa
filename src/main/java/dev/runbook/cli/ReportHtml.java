package dev.runbook.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.app.RunReport;
import dev.runbook.cli.ReportLayout.Block;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A run report as one self-contained HTML file: inline CSS, no script, nothing fetched (its
 * Content-Security-Policy allows only its own style, by hash). Every value is HTML-escaped, after its
 * control characters are shown as {@code \x1b} ({@link Printable}).
 */
final class ReportHtml {

    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:100em;\
            padding:0 1em;color:#1b1f24;background:#fff}
            h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
            h3{margin-top:1.5em;font-size:1.05em}
            table{border-collapse:collapse;margin:.5em 0;width:100%}
            th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top;overflow-wrap:break-word}
            td:last-child{overflow-wrap:anywhere;min-width:14em}
            th{background:#f6f8fa}table.facts th{width:14em}
            pre{background:#f6f8fa;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}
            code{font:13px ui-monospace,monospace;overflow-wrap:anywhere}
            td.ok{background:#e6f4ea}td.bad{background:#fbe9e7}td.wait{background:#fff8e1}
            @media print{body{margin:0;max-width:none}h2{break-after:avoid}}
            """;
    private static final String POLICY = "default-src 'none'; style-src 'sha256-" + sha256(STYLE) + "'";

    private static final Set<String> OK = Set.of("succeeded", "passed", "done", "completed", "committed", "rolled-back",
            "not-needed", "covered");
    private static final Set<String> BAD = Set.of("failed", "blocked", "compensation-failed", "compensated");
    private static final Set<String> WAIT = Set.of("running", "retrying", "awaiting-decision", "compensating",
            "registered", "scheduled", "partial", "not-run", "warned");

    private ReportHtml() {
    }

    static String print(ObjectNode report) {
        StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(POLICY).append("\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(escape("Run report: " + report.path("run").asText())).append("</title>\n")
                .append("<style>").append(STYLE).append("</style>\n</head>\n<body>\n");
        for (Block b : ReportLayout.of(report, RunReport.Format.HTML)) {
            switch (b) {
                case Block.Heading h -> out.append("<h").append(h.level()).append('>').append(escape(h.text()))
                        .append("</h").append(h.level()).append(">\n");
                case Block.Paragraph p -> out.append("<p>").append(escape(p.text())).append("</p>\n");
                case Block.Facts f -> {
                    out.append("<table class=\"facts\">\n");
                    f.rows().forEach(r -> out.append("<tr><th>").append(escape(r.get(0))).append("</th><td>")
                            .append(escape(r.get(1))).append("</td></tr>\n"));
                    out.append("</table>\n");
                }
                case Block.Table t -> table(t, out);
                case Block.Literal l -> out.append("<pre>").append(escapeLines(l.text())).append("</pre>\n");
                case Block.Code c -> out.append("<pre><code>").append(escape(c.text())).append("</code></pre>\n");
            }
        }
        return out.append("</body>\n</html>\n").toString();
    }

    private static void table(Block.Table t, StringBuilder out) {
        int stateColumn = t.header().indexOf("State");
        out.append("<table>\n<thead><tr>");
        t.header().forEach(h -> out.append("<th>").append(escape(h)).append("</th>"));
        out.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : t.rows()) {
            out.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                out.append(i == stateColumn ? "<td class=\"" + stateClass(row.get(i)) + "\">" : "<td>")
                        .append(escape(row.get(i))).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n");
    }

    /** A class from a fixed set, never the value itself. */
    private static String stateClass(String state) {
        String s = state.split(" ", 2)[0];
        return OK.contains(s) ? "ok" : BAD.contains(s) ? "bad" : WAIT.contains(s) ? "wait" : "other";
    }

    private static String escapeLines(String text) {
        StringBuilder out = new StringBuilder();
        String[] lines = Printable.text(text).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            out.append(i == 0 ? "" : "\n").append(escape(lines[i]));
        }
        return out.toString();
    }

    /** One value on one line, HTML-escaped for text and for attribute values alike. */
    static String escape(String s) {
        String p = ReportLayout.field(s);
        StringBuilder out = new StringBuilder(p.length() + 16);
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String sha256(String s) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
