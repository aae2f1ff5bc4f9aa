package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import dev.runbook.primitive.local.LocalAdapter;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.StateFileOwnership;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A local site, a journal and an engine whose primitives may carry one injected fault. */
final class Harness implements AutoCloseable {

    final LocalSiteFixture site;
    final SqliteJournal journal;
    final Pipeline pipeline = new Pipeline();
    private String guestVm;
    private String guestStatus = "succeeded";

    Harness(Path dir) {
        this(dir, false);
    }

    /** With {@code existing}, opens the site and journal already in the folder instead of seeding new ones. */
    Harness(Path dir, boolean existing) {
        site = existing ? LocalSiteFixture.existing(dir) : new LocalSiteFixture(dir);
        journal = SqliteJournal.open(site.journal);
        journal.subscribe(e -> {
            // A local site has no guests: report for the guest once the recovered VM has started.
            if (guestVm != null && e.kind() == Entry.Kind.STEP && e.step().equals("start") && e.state().equals("succeeded")) {
                site.guestReports(guestVm, guestStatus);
            }
        });
    }

    /** Reports remediation success for this VM whenever its recovered VM starts. */
    Harness guestOf(String vm) {
        return guestOf(vm, "succeeded");
    }

    /** Reports {@code status} for this VM's remediation whenever its recovered VM starts. */
    Harness guestOf(String vm, String status) {
        guestVm = vm;
        guestStatus = status;
        return this;
    }

    Plan plan(String runbook, String vm, Map<String, String> sets) {
        var loaded = pipeline.plan(Path.of("runbooks", runbook + ".yaml"), site.inventory, new Planner.Request(vm, sets), null);
        if (loaded.value().isEmpty()) {
            throw new AssertionError("cannot plan " + runbook + ": " + loaded.diagnostics());
        }
        return loaded.value().get();
    }

    Engine engine(Faults faults) {
        Options options = Options.defaults(null).withSleeper(d -> { }).withTimeoutCap(Duration.ofMillis(600));
        return new Engine(journal, faults.around(new LocalAdapter().primitives()), options, pipeline.expressions(),
                ownership());
    }

    /** The ownership records of the VMs at the local sites, where runs claim them. */
    Ownership ownership() {
        return new StateFileOwnership("recovery", StateFile.at(site.recoverySite.file()),
                StateFile.at(site.protectedSite.file()));
    }

    Result run(String runbook, String vm, Map<String, String> sets, Faults faults, String parent) {
        Plan plan = plan(runbook, vm, sets);
        return engine(faults).start(plan, new Engine.Launch("runbooks/" + runbook + ".yaml", site.inventory.toString(), null, parent));
    }

    /** Every (run, step, phase) key the site applied more than once; must stay empty. */
    List<String> appliedTwice() {
        List<String> out = new ArrayList<>();
        for (var s : List.of(site.protectedSite, site.recoverySite)) {
            s.read().path("applied").properties().forEach(e -> {
                if (e.getValue().path("count").asInt() > 1) {
                    out.add(e.getKey());
                }
            });
        }
        return out;
    }

    JsonNode resources() {
        return site.resources();
    }

    @Override
    public void close() {
        journal.close();
        pipeline.close();
    }
}
