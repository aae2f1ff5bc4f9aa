package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.app.ExitCodes;
import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.libvirt.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recovery plan on a demo site through the CLI: planned, run, decided per VM, then per plan. */
@Tag("site")
class RecoveryPlanCliTest {

    @TempDir
    Path tmp;

    private static final Pattern PLAN_RUN = Pattern.compile("run (\\d{8}-\\d{6}-[0-9a-f]{4}) (completed|awaiting-decision)");

    private static String all(Cli c) {
        return c.out() + c.err();
    }

    @Test
    void aTwoTierPlannedFailoverIsDecidedPerVmThenPerPlan() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        String db = site.definition(site.recoverySite, "ctrl-db01");
        Path plan = tmp.resolve("plans/shop-core.yaml");
        Files.createDirectories(plan.getParent());
        Files.writeString(plan, """
                apiVersion: runbooks/v1
                kind: RecoveryPlan
                metadata: {name: shop-core, version: 1.0.0}
                spec:
                  operation: planned-failover
                  tiers:
                    - name: database
                      vms: [{name: db01, critical: true}]
                    - name: application
                      vms: [{name: app02, after: [db01]}]
                """);
        Cli preview = Cli.run("plan", plan.toString(), "-i", site.inventory.toString());
        assertEquals(0, preview.code(), all(preview));
        assertTrue(preview.out().contains("Tier 2 application") && preview.out().contains("after: db01 (ready)"),
                preview.out());

        Cli run = Cli.run("run", plan.toString(), "-i", site.inventory.toString(), "--journal", site.journal.toString());
        assertEquals(0, run.code(), all(run));
        assertTrue(run.out().contains("2 of 2 VMs ready, 2 awaiting a decision"), run.out());
        Matcher m = PLAN_RUN.matcher(run.out());
        assertTrue(m.find(), run.out());
        String id = m.group(1);
        assertEquals("shutoff", site.state(site.protectedSite, "db01"), "a planned failover powers the source off");

        Cli commitApp = Cli.run("commit", id, "--vm", "app02", "--journal", site.journal.toString());
        assertEquals(0, commitApp.code(), all(commitApp));
        Cli status = Cli.run("status", "--journal", site.journal.toString());
        assertTrue(status.out().matches("(?s).*app02 +committed.*") && status.out().matches("(?s).*db01 +awaiting-commit.*"),
                status.out());

        Cli rollback = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(0, rollback.code(), all(rollback));
        assertTrue(rollback.out().contains("rolled back 1 VM of recovery plan run " + id), rollback.out());
        assertTrue(Session.sameDefinition(db, site.definition(site.recoverySite, "ctrl-db01")));
        assertEquals("running", site.state(site.protectedSite, "db01"), "rollback powers the source back on");

        Cli again = Cli.run("rollback", id, "--journal", site.journal.toString());
        assertEquals(ExitCodes.REFUSED, again.code(), all(again));
    }

    /**
     * A larger site from {@code runbook demo init DIR --vms N}: its generated VMs, by label in three tiers, fail over
     * in one plan run; the plan run's tree shows every VM; the plan's rollback returns them all.
     */
    @Test
    void aGeneratedSiteFailsOverByLabelInTiersAndRollsBack() throws Exception {
        Path dir = tmp.resolve("site");
        Cli init = Cli.run("demo", "init", dir.toString(), "--vms", "14");
        assertEquals(0, init.code(), all(init));
        assertTrue(init.out().contains("vms s0005 to s0014: 10 more"), init.out());
        String inventory = dir.resolve("inventory.yaml").toString();
        String journal = dir.resolve("journal.db").toString();
        Cli run = Cli.run("run", dir.resolve("recovery-plan.yaml").toString(), "-i", inventory, "--journal", journal);
        assertEquals(0, run.code(), all(run));
        assertTrue(run.out().contains("10 of 10 VMs ready"), run.out());
        Matcher m = PLAN_RUN.matcher(run.out());
        assertTrue(m.find(), run.out());
        String id = m.group(1);

        Cli tree = Cli.run("status", id, "--journal", journal);
        assertTrue(tree.out().contains("10 VMs: 10 succeeded"), tree.out());
        assertTrue(tree.out().matches("(?s).*TIERS\n  database\n    s0010 .*application\n    s0011 .*web\n    s0005 .*"),
                tree.out());
        assertTrue(tree.out().contains("CRITICAL PATH SO FAR\n  s0010 ("), tree.out());
        Cli json = Cli.run("status", id, "--journal", journal, "--output", "json");
        var plan = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).path("plan");
        assertEquals(10, plan.at("/counts/succeeded").asInt(), plan.toString());
        assertEquals("test-failover-active", plan.at("/tiers/2/vms/0/lifecycle").asText(), plan.toString());

        Cli rollback = Cli.run("rollback", id, "--journal", journal);
        assertEquals(0, rollback.code(), all(rollback));
        Cli after = Cli.run("status", "--journal", journal);
        assertTrue(!after.out().contains("test-failover-active"), after.out());
    }
}
