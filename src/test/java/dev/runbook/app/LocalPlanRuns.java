package dev.runbook.app;

import dev.runbook.exec.Entry;
import dev.runbook.exec.LocalSiteFixture;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.SitePlan;
import java.nio.file.Path;

/** Recovery plans started on local sites, whose one remediated VM (web01) has a guest played by the test. */
final class LocalPlanRuns {

    private LocalPlanRuns() {
    }

    /** Plans {@code file} over the site's inventory and starts it through {@code runs}. */
    static Ended start(Runs runs, LocalSiteFixture site, SqliteJournal journal, Path file, boolean onlyReady) {
        // A local site has no guests: web01's report is given once its recovered VM starts.
        journal.subscribe(e -> {
            if (e.kind() == Entry.Kind.STEP && "start".equals(e.step()) && e.state().equals("succeeded")
                    && e.runId().endsWith(".web01")) {
                site.guestReports("web01", "succeeded");
            }
        });
        try (Pipeline pipeline = new Pipeline()) {
            var planned = pipeline.recoveryPlan(file, site.inventory, Path.of("runbooks"), null);
            SitePlan plan = planned.value().orElseThrow(() -> new AssertionError(planned.diagnostics().toString()));
            return runs.startPlan(plan, file, site.inventory, pipeline.expressions(), onlyReady, id -> { }, Reporter.NONE);
        }
    }
}
