package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.exec.LocalSiteFixture;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle through the CLI in this process: failover, status, refusals, commit and rollback. */
class LifecycleCliTest {

    private static final Pattern RUN_ID = Pattern.compile("run (\\d{8}-\\d{6}-[0-9a-f]{4}) ");

    @TempDir
    Path dir;

    static String runId(Cli c) {
        Matcher m = RUN_ID.matcher(c.out() + c.err());
        assertTrue(m.find(), "no run id in:\n" + c.out() + c.err());
        return m.group(1);
    }

    @Test
    void testFailoverThenRollbackRestoresTheSite() {
        LocalSiteFixture site = new LocalSiteFixture(dir);
        JsonNode before = site.resources();
        String j = site.journal.toString();

        Cli run = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02", "--journal", j);
        assertEquals(0, run.code(), run.out() + run.err());
        String id = runId(run);
        assertTrue(run.out().contains("completed; app02 is test-failover-active"), run.out());
        assertTrue(!site.resources().equals(before), "the failover changed nothing");

        Cli second = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02", "--journal", j);
        assertEquals(6, second.code(), second.out() + second.err());
        assertTrue(second.err().contains(id), second.err());

        Cli commit = Cli.run("commit", id, "--journal", j);
        assertEquals(6, commit.code(), commit.err());
        assertTrue(commit.err().contains("never committed"), commit.err());

        Cli status = Cli.run("status", "--journal", j);
        assertTrue(status.out().contains("test-failover-active"), status.out());

        Cli rollback = Cli.run("rollback", id, "--journal", j);
        assertEquals(0, rollback.code(), rollback.out() + rollback.err());
        assertEquals(before, site.resources());

        Cli again = Cli.run("rollback", id, "--journal", j);
        assertEquals(6, again.code(), again.err());

        Cli detail = Cli.run("status", id, "--journal", j, "--output", "json");
        assertEquals(0, detail.code(), detail.err());
        assertTrue(detail.out().contains("\"state\" : \"rolled-back\""), detail.out());
    }
}
