package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.exec.LocalSiteFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runbook report}: the three formats of one run, their escaping, and {@code --verify} against edits. */
class ReportCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Cli ok(Cli c) {
        assertEquals(0, c.code(), c.out() + c.err());
        return c;
    }

    @Test
    void aTestFailoverAndItsRollbackReportInEveryFormatAndAnyEditIsDetected() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        String j = site.journal.toString();
        String id = LifecycleCliTest.runId(ok(Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(),
                "--vm", "app02", "--journal", j)));
        ok(Cli.run("rollback", id, "--by", "bob", "--journal", j));

        String md = ok(Cli.run("report", id, "--format", "md", "--journal", j)).out();
        assertTrue(md.startsWith("# Run report: " + id + "\n"), md);
        for (String s : List.of("## Decisions", "| " + id + " | rollback | bob |", "## Run " + id + ": test-failover of app02",
                "(continues run " + id + ")", "### Steps not executed", "### Compensations",
                "| **Runbook** | test-failover 1.0.0 |", "## Integrity", "runbook report " + id + " --verify FILE")) {
            assertTrue(md.contains(s), "missing '" + s + "' in:\n" + md);
        }
        for (String step : List.of("stop-exports", "rollback-snapshots", "map-test-networks", "start", "await-running")) {
            assertTrue(md.contains("| " + step + " |"), step);
        }

        JsonNode json = JSON.readTree(ok(Cli.run("report", id, "--format", "json", "--journal", j)).out());
        assertEquals(id, json.path("run").asText());
        assertEquals("rolled-back", json.at("/runs/0/state").asText());
        assertEquals("rollback", json.at("/runs/1/operation").asText());
        assertEquals(64, json.at("/integrity/sha256").asText().length());

        String html = ok(Cli.run("report", id, "--format", "html", "--journal", j)).out();
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
        assertFalse(html.contains("<script") || html.contains("src=") || html.contains("href=") || html.contains("<link"),
                "one file: nothing fetched, no script");

        for (String format : List.of("md", "html", "json")) {
            Path file = dir.resolve("report." + format);
            Cli written = ok(Cli.run("report", id, "--format", format, "--out", file.toString(), "--journal", j));
            assertTrue(written.err().contains("written to " + file), written.err());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            Cli verified = ok(Cli.run("report", id, "--verify", file.toString(), "--journal", j));
            assertTrue(verified.out().contains("matches"), verified.out());
        }
        assertEquals(md, Files.readString(dir.resolve("report.md")), "--out writes what is printed");

        // the hash edited, or any other byte of the report
        String hash = json.at("/integrity/sha256").asText();
        String other = (hash.charAt(0) == 'a' ? "b" : "a") + hash.substring(1);
        for (String format : List.of("md", "html", "json")) {
            Path edited = dir.resolve("hash-edited." + format);
            Files.writeString(edited, Files.readString(dir.resolve("report." + format)).replace(hash, other));
            Cli c = Cli.run("report", id, "--verify", edited.toString(), "--journal", j);
            assertEquals(4, c.code(), format + ": " + c.out() + c.err());
            assertTrue(c.err().contains("the journal or the report was edited"), c.err());
        }
        Path reworded = dir.resolve("reworded.md");
        Files.writeString(reworded, md.replace("| bob |", "| eve |"));
        Cli c = Cli.run("report", id, "--verify", reworded.toString(), "--journal", j);
        assertEquals(4, c.code(), c.out() + c.err());
        assertTrue(c.err().contains("differs from the report the journal gives from line"), c.err());

        // one byte of one entry's data edited in a copy of the journal
        Path copy = dir.resolve("copy.db");
        Files.copy(site.journal, copy);
        if (Files.exists(Path.of(j + "-wal"))) {
            Files.copy(Path.of(j + "-wal"), Path.of(copy + "-wal"));
        }
        ok(Cli.run("report", id, "--verify", dir.resolve("report.json").toString(), "--journal", copy.toString()));
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + copy)) {
            long seq;
            String data;
            try (ResultSet rs = db.createStatement().executeQuery(
                    "SELECT seq, data FROM entries WHERE run_id = '" + id + "' AND step = 'start' AND state = 'succeeded'")) {
                assertTrue(rs.next());
                seq = rs.getLong(1);
                data = rs.getString(2);
            }
            int at = data.indexOf("Running"); // {"result":{"wasRunning":false}}: one letter of a key
            assertTrue(at > 0, data);
            try (PreparedStatement ps = db.prepareStatement("UPDATE entries SET data = ? WHERE seq = ?")) {
                ps.setString(1, data.substring(0, at) + "r" + data.substring(at + 1));
                ps.setLong(2, seq);
                assertEquals(1, ps.executeUpdate());
            }
        }
        for (String format : List.of("md", "html", "json")) {
            Cli edited = Cli.run("report", id, "--verify", dir.resolve("report." + format).toString(), "--journal", copy.toString());
            assertEquals(4, edited.code(), format + ": " + edited.out() + edited.err());
            assertTrue(edited.err().contains("the journal or the report was edited"), edited.err());
        }

        Cli unknown = Cli.run("report", "20990101-000000-ffff", "--journal", j);
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no run 20990101-000000-ffff in " + j) && unknown.err().contains("`runbook status`"),
                unknown.err());
        Cli noJournal = Cli.run("report", id, "--journal", dir.resolve("none.db").toString());
        assertEquals(2, noJournal.code());
        assertFalse(Files.exists(dir.resolve("none.db")), "reading a report creates no journal");
    }

    @Test
    void hostileValuesAreEscapedInMarkdownAndHtmlAndTheReportsStillVerify() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        String j = site.journal.toString();
        // the step's error quotes its require condition: a script tag and a terminal escape (ESC [31m)
        Path runbook = dir.resolve("runbooks/hostile.yaml");
        Files.createDirectories(runbook.getParent());
        String shipped = Files.readString(Path.of("runbooks/test-failover.yaml"));
        String start = "      with: {site: \"${{ recoverySite.name }}\", domain: \"${{ vm.controllerDomain }}\"}\n      retry:";
        assertTrue(shipped.contains(start));
        Files.writeString(runbook, shipped.replace(start, start.replace("      retry:",
                "      require: \"'<script>alert(1)</script>\\e[31m|*_[x](y)' == inputs.vm\"\n      retry:")));
        Cli run = Cli.run("run", runbook.toString(), "-i", site.inventory.toString(), "--vm", "app02", "--journal", j);
        assertEquals(7, run.code(), run.out() + run.err());
        String id = LifecycleCliTest.runId(run);

        String md = ok(Cli.run("report", id, "--format", "md", "--journal", j)).out();
        assertFalse(md.matches("(?s).*(?<!\\\\)<.*") || md.contains("\u001b"), "an unescaped < or a raw escape:\n" + md);
        assertTrue(md.contains("\\<script\\>alert(1)\\</script\\>\\\\x1b\\[31m\\|\\*\\_\\[x\\](y)"), md);
        String html = ok(Cli.run("report", id, "--format", "html", "--journal", j)).out();
        assertFalse(html.contains("<script") || html.contains("\u001b"), html);
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[31m|*_[x](y)"), html);
        JsonNode json = JSON.readTree(ok(Cli.run("report", id, "--format", "json", "--journal", j)).out());
        JsonNode start0 = null;
        for (JsonNode s : json.at("/runs/0/steps")) {
            start0 = s.path("id").asText().equals("start") ? s : start0;
        }
        assertTrue(start0.path("error").asText().contains("<script>alert(1)</script>\u001b[31m"), String.valueOf(start0));
        assertEquals("compensated", json.at("/runs/0/state").asText());

        for (String format : List.of("md", "html")) {
            Path file = dir.resolve("hostile." + format);
            ok(Cli.run("report", id, "--format", format, "--out", file.toString(), "--journal", j));
            ok(Cli.run("report", id, "--verify", file.toString(), "--journal", j));
        }
    }

    @Test
    void aRecoveryPlanRunReportsEveryVmRunItsTiersAndTheirRollbacks() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        String j = site.journal.toString();
        Path plan = dir.resolve("pair.yaml");
        Files.writeString(plan, """
                apiVersion: runbooks/v1
                kind: RecoveryPlan
                metadata: {name: pair, version: 1.0.0, description: "The database, then the application server."}
                spec:
                  operation: test-failover
                  rto: 30m
                  tiers:
                    - {name: database, rto: 10m, vms: [{name: db01}]}
                    - {name: application, vms: [{name: app02, after: [db01]}]}
                """);
        String id = LifecycleCliTest.runId(ok(Cli.run("run", plan.toString(), "-i", site.inventory.toString(), "--journal", j)));
        ok(Cli.run("rollback", id, "--by", "carol", "--journal", j));

        JsonNode json = JSON.readTree(ok(Cli.run("report", id, "--format", "json", "--journal", j)).out());
        JsonNode planRun = json.at("/runs/0");
        assertEquals("rolled-back", planRun.path("state").asText());
        assertEquals(List.of(id + ".db01", id + ".app02"), List.of(planRun.at("/vmRuns/0").asText(), planRun.at("/vmRuns/1").asText()));
        assertEquals(5, json.path("runs").size(), "the plan run, a run per VM and each VM's rollback");
        assertEquals("ready", planRun.at("/tiers/0/vms/0/state").asText());
        assertTrue(planRun.at("/tiers/0/met").asBoolean() && planRun.at("/rto/met").asBoolean(), planRun.path("tiers").toString());
        assertEquals(2, json.path("decisions").size());
        json.path("decisions").forEach(d -> assertEquals("carol", d.path("decidedBy").asText()));

        JsonNode vm = JSON.readTree(ok(Cli.run("report", id + ".app02", "--format", "json", "--journal", j)).out());
        assertEquals(id, vm.at("/recoveryPlanRun/id").asText());
        assertEquals(id, vm.at("/runs/0/recoveryPlanRun").asText());

        Path md = dir.resolve("plan.md");
        ok(Cli.run("report", id, "--out", md.toString(), "--journal", j));
        assertTrue(Files.readString(md).contains("| database | db01: ready |"), Files.readString(md));
        ok(Cli.run("report", id, "--verify", md.toString(), "--journal", j));
    }
}
