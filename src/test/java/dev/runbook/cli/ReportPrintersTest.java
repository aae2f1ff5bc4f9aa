package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.app.ReportIntegrity;
import dev.runbook.app.RunReport;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Markdown and HTML printers over a report whose every value is hostile. */
class ReportPrintersTest {

    /** Markup, a terminal escape, a line break, a bidi override and half a surrogate pair in one value. */
    private static final String HOSTILE = "<img src=x onerror=alert(1)>*b* [l](http://e.test) `c` | \\u001b[2J\\r\\u202e\\ud800";

    private static ObjectNode report() throws Exception {
        String v = "\"" + HOSTILE + "\"";
        return (ObjectNode) new ObjectMapper().readTree("""
                {"report": "run", "reportVersion": 1, "run": "r1",
                 "journal": {"id": %1$s, "throughSeq": 3, "throughAt": %1$s},
                 "continues": {"id": %1$s, "operation": %1$s, "vm": %1$s, "runbook": %1$s, "startedBy": %1$s, "startedAt": %1$s},
                 "decisions": [{"run": %1$s, "outcome": %1$s, "decidedBy": %1$s, "decidedAt": %1$s, "reason": %1$s,
                                "acceptedRemediation": {"gate": %1$s, "by": %1$s, "at": %1$s}}],
                 "runs": [{"id": "r1", "operation": %1$s, "vm": %1$s, "state": %1$s, "stateAt": %1$s, "startedBy": %1$s,
                   "startedAt": %1$s, "lastEntryAt": %1$s, "ended": false, "durationMillis": 5,
                   "message": "- a list\\n1. an ordered one\\n> a quote\\n=== an underline\\n%2$s",
                   "runbook": {"name": %1$s, "version": %1$s, "sha256": %1$s, "file": %1$s, "git": %1$s},
                   "inventory": {"name": %1$s, "sha256": %1$s, "file": %1$s}, "planHash": %1$s, "continues": %1$s,
                   "continuedBy": [%1$s],
                   "awaiting": {"step": %1$s, "since": %1$s, "prompt": %1$s, "options": [%1$s], "deadline": %1$s,
                                "onTimeout": %1$s, "commitWhen": %1$s},
                   "prechecks": [{"id": %1$s, "probe": %1$s, "severity": %1$s, "state": %1$s, "at": %1$s, "error": %1$s}],
                   "steps": [{"index": %1$s, "id": %1$s, "uses": %1$s, "state": %1$s, "attempts": 2, "retries": 1,
                              "startedAt": %1$s, "error": %1$s}],
                   "notExecuted": [{"index": %1$s, "id": %1$s, "uses": %1$s, "why": %1$s}],
                   "compensations": [{"step": %1$s, "undo": %1$s, "state": %1$s, "attempts": 1, "registeredAt": %1$s,
                                      "error": %1$s}],
                   "remediation": {"vm": %1$s, "status": %1$s, "detail": %1$s,
                                   "actions": [{"action": %1$s, "outcome": %1$s, "detail": %1$s}]},
                   "network": [{"nic": %1$s, "mac": %1$s, "policy": %1$s, "expected": {"mode": %1$s},
                                "attachedTo": {"network": %1$s, "step": %1$s, "stepState": %1$s},
                                "observed": {"status": %1$s, "detail": %1$s}}],
                   "notes": [{"at": %1$s, "note": %1$s, "message": %1$s}],
                   "journal": [{"seq": 1, "at": %1$s, "kind": %1$s, "step": %1$s, "state": %1$s, "detail": %1$s}]}],
                 "integrity": {"sha256": "%3$s", "run": "r1", "throughSeq": 3, "entries": 3,
                               "entriesOf": [%1$s], "recordsOf": [%1$s], "verify": %1$s}}
                """.formatted(v, HOSTILE, "ab".repeat(32)));
    }

    @Test
    void markdownEscapesEveryValueAndNoValueStartsABlock() throws Exception {
        String md = ReportMarkdown.print(report());
        assertFalse(Pattern.compile("(?<!\\\\)[<`*\\[]").matcher(md.replace("**", "").replaceAll("`[^`\n]*`", "")).find(),
                "an unescaped markup character:\n" + md);
        assertFalse(md.chars().anyMatch(c -> c < 0x20 && c != '\n' || c == 0x202e || Character.isSurrogate((char) c)), md);
        assertTrue(md.contains("\\<img src=x onerror=alert(1)\\>\\*b\\* \\[l\\](http://e.test) \\`c\\` \\| \\\\x1b\\[2J\\\\r\\\\u202e\\\\ud800"), md);
        for (String line : new String[] {"> \\- a list", "> 1\\. an ordered one", "> \\> a quote", "> \\=== an underline"}) {
            assertTrue(md.contains("\n" + line + "\n"), "missing " + line + " in:\n" + md);
        }
        assertTrue(md.endsWith("`\n") && !md.endsWith("\n\n"), "one newline at the end");
        assertEquals(1, md.lines().filter(l -> l.startsWith("# ")).count());
        var claim = ReportIntegrity.find(md).orElseThrow();
        assertEquals(RunReport.Format.MD, claim.format());
        assertEquals("ab".repeat(32), claim.sha256());
    }

    @Test
    void htmlEscapesEveryValueAndLoadsNothing() throws Exception {
        String html = ReportHtml.print(report());
        assertFalse(html.contains("<img") || html.contains("<script") || html.contains("href="), html);
        assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;*b* [l](http://e.test) `c` | \\x1b[2J\\r\\u202e\\ud800"), html);
        assertFalse(html.chars().anyMatch(c -> c < 0x20 && c != '\n' || c == 0x202e || Character.isSurrogate((char) c)));
        assertTrue(html.contains("<pre>- a list\n1. an ordered one\n&gt; a quote\n"), html);
        assertEquals(html, new String(html.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), "reads back the same");
        var claim = ReportIntegrity.find(html).orElseThrow();
        assertEquals(RunReport.Format.HTML, claim.format());
    }
}
