package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.Shipped;
import dev.runbook.demo.DemoCheck;
import dev.runbook.demo.DemoGuest;
import dev.runbook.demo.DemoSite;
import dev.runbook.exec.Journal;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.primitive.PrimitiveException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code runbook demo --plan}: the shop recovered as one plan on a demo site. The shipped three-tier test failover
 * plan runs (db01, then app02 once db01 is ready, then web01 once app02 has started), its tree is shown, web01 is
 * rolled back alone, then the rest of the plan in reverse tier order, and every VM's replicas are compared with
 * their copies from before.
 */
final class PlanDemo {

    private static final String PLAN = "shop-test.yaml";

    private PlanDemo() {
    }

    static int run(Path runbooks, Path dir, PrintWriter out, PrintWriter err) throws IOException, InterruptedException {
        Path plan = runbooks.toAbsolutePath().getParent().resolve("recovery-plans").resolve(PLAN);
        if (!Files.isRegularFile(plan)) {
            plan = Shipped.recoveryPlans().resolve(PLAN);
        }
        if (!Files.isRegularFile(plan)) {
            err.println("runbook: " + plan + " not found; the shipped recovery plans sit beside the runbooks' folder");
            return ExitCodes.INVALID;
        }
        Path where = dir != null ? dir : Files.createTempDirectory("runbook-demo-plan-");
        DemoSite.Made made;
        Map<String, DemoCheck> checks = new LinkedHashMap<>();
        try {
            made = DemoCommand.site(where, out);
            for (String vm : List.of("db01", "app02", "web01")) {
                checks.put(vm, DemoCheck.before(made.recoverySite(), made.inventory(), vm, where.resolve("before/" + vm)));
            }
        } catch (IllegalArgumentException | PrimitiveException e) {
            return DemoCommand.cannotBuild(e, err);
        }
        String journal = where.resolve("journal.db").toString();
        String inventory = made.inventory().toString();

        out.println();
        out.println("== 2. the plan: tiers, dependencies, gates, each VM's plan hash");
        int code = DemoCommand.step(out, err, "plan", plan.toString(), "-i", inventory);
        if (code != ExitCodes.OK) {
            return code;
        }

        out.println();
        out.println("== 3. one run for the whole plan: every VM's prechecks first, then tier by tier");
        try (DemoGuest guest = DemoGuest.start(where, made.recoverySite(), out)) {
            code = DemoCommand.step(out, err, "run", plan.toString(), "-i", inventory, "--journal", journal);
        }
        if (code != ExitCodes.OK) {
            return code;
        }
        String planRun = planRun(Path.of(journal));

        out.println();
        out.println("== 4. status: the plan's tree");
        DemoCommand.step(out, err, "status", planRun, "--journal", journal);

        out.println();
        out.println("== 5. decided per VM: web01 rolled back alone");
        code = DemoCommand.step(out, err, "rollback", planRun, "--vm", "web01", "--journal", journal);
        if (code != ExitCodes.OK) {
            return code;
        }

        out.println();
        out.println("== 6. decided per plan: the rest rolled back, in reverse tier order");
        code = DemoCommand.step(out, err, "rollback", planRun, "--journal", journal);
        if (code != ExitCodes.OK) {
            return code;
        }
        DemoCommand.step(out, err, "status", planRun, "--journal", journal);

        out.println();
        out.println("== 7. verification");
        List<String> failures = new ArrayList<>();
        try {
            for (Map.Entry<String, DemoCheck> c : checks.entrySet()) {
                for (DemoCheck.Finding f : c.getValue().after()) {
                    out.println("   " + (f.ok() ? "ok   " : "FAIL ") + c.getKey() + ": " + f.text());
                    if (!f.ok()) {
                        failures.add(c.getKey() + ": " + f.text());
                    }
                }
            }
        } catch (PrimitiveException e) {
            err.println("runbook: verification failed: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        if (!failures.isEmpty()) {
            err.println("runbook: the plan's rollback did not restore every VM: " + String.join("; ", failures));
            return ExitCodes.INTERNAL;
        }
        out.println();
        out.println("The site stays in " + where + "; try `runbook report " + planRun + " --journal " + journal
                + " --format md`.");
        return ExitCodes.OK;
    }

    /** The plan run: the one run of the journal that no other run belongs to. */
    private static String planRun(Path journal) {
        try (Journal j = SqliteJournal.open(journal)) {
            return j.runs().stream().filter(r -> r.planRun() == null).map(RunRecord::id).findFirst().orElseThrow();
        }
    }
}
