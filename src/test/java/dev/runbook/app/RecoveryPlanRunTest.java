package dev.runbook.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.exec.Entry;
import dev.runbook.exec.LocalSiteFixture;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunState;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.model.Operation;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.SitePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recovery plan run on local sites through the application layer: tiers and dependencies order the VMs,
 * the plan is admitted whole or refused, prechecks of every VM run first, the failure policy decides what a
 * failed VM does to the rest, and decisions take every VM (rollback in reverse tier order).
 */
class RecoveryPlanRunTest {

    @TempDir
    Path tmp;

    private static final String SHOP = """
            apiVersion: runbooks/v1
            kind: RecoveryPlan
            metadata: {name: shop, version: 1.0.0}
            spec:
              operation: test-failover
              onFailure: %s
              tiers:
                - name: database
                  vms:
                    - {select: {labels: {tier: db}}, critical: %s, gates: [{expression: "%s", timeout: 1s}]}
                - name: application
                  vms:
                    - name: app02
                      after: [db01]
                      gates: [{expression: "%s", timeout: 1s}]
                - name: web
                  vms:
                    - name: web01
                      after: [{vm: app02, for: started}]
                      gates: [{remediation: {require: final}, timeout: 30s}]
            """;

    private static final String OK = "run.state == 'completed'";

    private record Ran(Ended ended, SqliteJournal journal, LocalSiteFixture site) {
        Result result() {
            return ((Ended.Ran) ended).result();
        }

        Map<String, String> vmStates() {
            return journal.runs().stream().filter(r -> r.planRun() != null)
                    .collect(Collectors.toMap(RunRecord::vm, RunRecord::state));
        }

        /** The journal sequence at which each VM's recovered domain started. */
        Map<String, Long> starts() {
            return journal.entriesAfter(0, 100_000).stream()
                    .filter(e -> e.kind() == Entry.Kind.STEP && "start".equals(e.step()) && e.state().equals("succeeded"))
                    .collect(Collectors.toMap(e -> e.runId().substring(e.runId().lastIndexOf('.') + 1), Entry::seq,
                            (a, b) -> a));
        }
    }

    private Ran run(LocalSiteFixture site, SqliteJournal journal, String yaml, boolean onlyReady) throws Exception {
        Path file = tmp.resolve("plan.yaml");
        Files.writeString(file, yaml);
        Ended ended = LocalPlanRuns.start(new Runs(journal, site.journal), site, journal, file, onlyReady);
        return new Ran(ended, journal, site);
    }

    private static String shop(String policy, boolean critical, String dbGate, String appGate) {
        return SHOP.formatted(policy, critical, dbGate, appGate);
    }

    @Test
    void tiersAndDependenciesOrderTheVmsAndRollbackGoesInReverseTierOrder() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        JsonNode before = site.resources();
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            Ran ran = run(site, journal, shop("skipDependents", true, OK, OK), false);
            assertEquals(RunState.COMPLETED, ran.result().state(), ran.result().message());
            assertEquals(Map.of("db01", "completed", "app02", "completed", "web01", "completed"), ran.vmStates());
            Map<String, Long> starts = ran.starts();
            assertTrue(starts.get("db01") < starts.get("app02") && starts.get("app02") < starts.get("web01"),
                    starts.toString());

            Ended rolledBack = new Runs(journal, site.journal).decide(ran.result().runId(), Operation.Outcome.ROLLBACK,
                    "ops", null, false, Reporter.NONE);
            assertEquals(ExitCodes.OK, rolledBack.exitCode(), rolledBack.message());
            List<String> order = journal.runs().stream().filter(r -> r.operation().equals("rollback"))
                    .sorted(java.util.Comparator.comparing(RunRecord::startedAt)).map(RunRecord::vm).toList();
            assertEquals(List.of("web01", "app02", "db01"), order);
            assertEquals(RunState.ROLLED_BACK.id(), journal.run(ran.result().runId()).orElseThrow().state());
            assertEquals(before, site.resources(), "the plan's rollback left the sites changed");
            assertEquals(List.of(), journal.locks());
        }
    }

    @Test
    void aVmWhoseGateFailsIsRolledBackAloneAndItsDependentsAreNotAttempted() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            Ran ran = run(site, journal, shop("skipDependents", false, OK, "run.state == 'never'"), false);
            assertEquals(RunState.FAILED, ran.result().state(), ran.result().message());
            String message = ran.result().message();
            assertTrue(message.contains("1 of 3 VMs ready") && message.contains("1 failed, 1 not attempted"), message);
            assertTrue(message.contains("app02: gate expression did not pass: not passed within 1s; last seen: "
                    + "run.state == 'never' is false") && message.contains("; rolled back"), message);
            assertTrue(message.contains("web01: not attempted: it waits for app02 to be started, and app02 failed"),
                    message);
            assertEquals(Map.of("db01", "completed", "app02", "rolled-back", "web01", "skipped"), ran.vmStates());
            assertEquals("replication-ready", journal.lifecycle("app02").state());
            assertEquals("test-failover-active", journal.lifecycle("db01").state());
            assertEquals("replication-ready", journal.lifecycle("web01").state());

            JsonNode tree = Status.detail(journal, journal.run(ran.result().runId()).orElseThrow()).path("plan");
            assertEquals(1, tree.at("/counts/succeeded").asInt(), tree.toString());
            assertEquals(1, tree.at("/counts/failed").asInt(), tree.toString());
            assertEquals(1, tree.at("/counts/notAttempted").asInt(), tree.toString());
            assertEquals(3, tree.at("/counts/total").asInt(), tree.toString());
            JsonNode app = tree.at("/tiers/1/vms/0");
            assertEquals("app02", app.path("vm").asText(), tree.toString());
            assertEquals("failed", app.path("state").asText());
            assertEquals("rolled-back", app.path("runState").asText());
            assertTrue(app.path("reason").asText().startsWith("gate expression did not pass"), app.toString());
            assertEquals("application", tree.at("/tiers/1/name").asText());
            assertEquals("web01", tree.at("/tiers/2/vms/0/vm").asText());
            assertTrue(tree.at("/tiers/2/vms/0/step").isMissingNode(), "web01 was never started: " + tree);
            assertEquals("validate succeeded", tree.at("/tiers/0/vms/0/step").asText() + " "
                    + tree.at("/tiers/0/vms/0/stepState").asText(), "db01's last step: " + tree);
            List<String> path = new java.util.ArrayList<>();
            tree.path("criticalPath").forEach(p -> path.add(p.path("vm").asText()));
            assertEquals(List.of("db01", "app02", "web01"), path, "each waited for the one before it");
        }
    }

    /** After a partial failure the plan runs again: only the VMs that did not reach their target run, never db01 twice. */
    @Test
    void aPlanRunAgainRetriesOnlyTheVmsThatDidNotReachTheirTarget() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            Ran first = run(site, journal, shop("skipDependents", false, OK, "run.state == 'never'"), false);
            assertEquals(RunState.FAILED, first.result().state(), first.result().message());
            assertEquals("test-failover-active", journal.lifecycle("db01").state());

            Ran again = run(site, journal, shop("skipDependents", false, OK, OK), false);
            assertEquals(RunState.COMPLETED, again.result().state(), again.result().message());
            String id = again.result().runId();
            assertTrue(again.result().message().contains("db01: db01 is already test-failover-active since run "
                    + first.result().runId() + ".db01; not run again"), again.result().message());
            List<String> children = journal.runs().stream().filter(r -> id.equals(r.planRun())).map(RunRecord::vm).sorted()
                    .toList();
            assertEquals(List.of("app02", "web01"), children);
            assertEquals(children, journal.children(id).stream().map(RunRecord::vm).sorted().toList(),
                    "the journal lists a plan run's VM runs");
            assertTrue(journal.children(id).stream().allMatch(r -> r.plan().isEmpty() && r.state() != null),
                    "a plan run's VM runs are listed without their plans");
            assertEquals(journal.runs().stream().map(RunRecord::id).toList(),
                    journal.runsWithoutPlans().stream().map(RunRecord::id).toList(), "every run, in the same order");
            assertTrue(journal.runsWithoutPlans().stream().allMatch(r -> r.plan().isEmpty()));
            assertEquals(1, again.starts().keySet().stream().filter("db01"::equals).count());
            long dbStarts = journal.entriesAfter(0, 100_000).stream().filter(e -> e.kind() == Entry.Kind.STEP
                    && "start".equals(e.step()) && e.state().equals("succeeded") && e.runId().endsWith(".db01")).count();
            assertEquals(1, dbStarts, "db01 was started twice");
            assertEquals("test-failover-active", journal.lifecycle("app02").state());
            assertEquals("test-failover-active", journal.lifecycle("web01").state());

            Ended third = new Runs(journal, site.journal).startPlan(planOf(site, shop("skipDependents", false, OK, OK)),
                    tmp.resolve("plan.yaml"), site.inventory, new dev.runbook.expr.Expressions(), false, x -> { },
                    Reporter.NONE);
            assertEquals(ExitCodes.REFUSED, third.exitCode(), third.message());
            assertTrue(third.message().contains("already reached its target; nothing was changed"), third.message());
        }
    }

    /** Two VMs of a plan that would restore one address onto one network are a located error before anything runs. */
    @Test
    void twoVmsRestoringOneAddressOntoOneNetworkAreALocatedError() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        String inventory = Files.readString(site.inventory);
        int db = inventory.indexOf("- name: db01");
        int dhcp = inventory.indexOf("ipv4: dhcp", db);
        String indent = " ".repeat(dhcp - inventory.lastIndexOf('\n', dhcp) - 1);
        Files.writeString(site.inventory, inventory.substring(0, dhcp) + "ipv4:\n" + indent + "  address: 10.10.0.21\n"
                + indent + "  prefix: 24\n" + inventory.substring(dhcp + "ipv4: dhcp".length()));
        Path file = tmp.resolve("plan.yaml");
        Files.writeString(file, shop("skipDependents", false, OK, OK));
        try (Pipeline pipeline = new Pipeline()) {
            var planned = pipeline.recoveryPlan(file, site.inventory, Path.of("runbooks"), null);
            assertTrue(planned.value().isEmpty(), "planned despite the conflict");
            var error = planned.diagnostics().stream().filter(d -> d.rule().equals("address-conflict")).findFirst()
                    .orElseThrow(() -> new AssertionError(planned.diagnostics().toString()));
            // db01's tier comes first: web01's address, later in the plan, is the one reported, naming db01's.
            String written = Files.readString(site.inventory);
            int web = written.lines().toList().indexOf(written.lines().filter(l -> l.contains("address: 10.10.0.21"))
                    .findFirst().orElseThrow()) + 1;
            int dbLine = (int) written.substring(0, written.indexOf("address: 10.10.0.21", written.indexOf("- name: db01")))
                    .lines().count();
            assertEquals(site.inventory + ":" + web, error.span().file() + ":" + error.span().line(), error.toString());
            assertTrue(error.message().contains("vm 'web01' would restore 10.10.0.21 on dr-test-isolated, which db01 ("
                    + site.inventory + ":" + dbLine + ":"), error.message());
        }
    }

    private SitePlan planOf(LocalSiteFixture site, String yaml) throws Exception {
        Path file = tmp.resolve("plan.yaml");
        Files.writeString(file, yaml);
        try (Pipeline pipeline = new Pipeline()) {
            var planned = pipeline.recoveryPlan(file, site.inventory, Path.of("runbooks"), null);
            return planned.value().orElseThrow(() -> new AssertionError(planned.diagnostics().toString()));
        }
    }

    @Test
    void aCriticalVmThatFailsHaltsThePlan() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            Ran ran = run(site, journal, shop("continue", true, "run.state == 'never'", OK), false);
            assertEquals(RunState.FAILED, ran.result().state(), ran.result().message());
            assertTrue(ran.result().message().contains("app02: not attempted: the plan halted (db01, a critical VM, "
                    + "failed)"), ran.result().message());
            assertEquals(Map.of("db01", "rolled-back", "app02", "skipped", "web01", "skipped"), ran.vmStates());
        }
    }

    @Test
    void aBlockingPrecheckAnywhereStopsThePlanBeforeAnyChangeUnlessOnlyReady() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        site.recoverySite.update(s -> ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("domains").get("ctrl-app02"))
                .put("state", "shutoff"));
        JsonNode before = site.resources();
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            Ran ran = run(site, journal, shop("skipDependents", false, OK, OK), false);
            assertEquals(RunState.BLOCKED, ran.result().state(), ran.result().message());
            assertEquals(ExitCodes.PRECHECK_BLOCKED, ran.ended().exitCode());
            assertTrue(ran.result().message().contains("1 of 3 VMs are blocked")
                    && ran.result().message().contains("app02: 1 blocking precheck failed")
                    && ran.result().message().contains("controller-online"), ran.result().message());
            assertEquals(before, site.resources(), "a blocked plan changed the sites");
            assertEquals(Map.of("db01", "skipped", "app02", "blocked", "web01", "skipped"), ran.vmStates());
            assertEquals(List.of(), journal.locks());

            Ran ready = run(site, journal, shop("skipDependents", false, OK, OK), true);
            assertEquals(RunState.FAILED, ready.result().state(), ready.result().message());
            Map<String, String> states = ready.journal().runs().stream()
                    .filter(r -> ready.result().runId().equals(r.planRun()))
                    .collect(Collectors.toMap(RunRecord::vm, RunRecord::state));
            assertEquals(Map.of("db01", "completed", "app02", "blocked", "web01", "skipped"), states);
        }
    }

    @Test
    void aPlanIsAdmittedWholeOrRefusedNamingEachConflict() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        try (SqliteJournal journal = SqliteJournal.open(site.journal); Pipeline pipeline = new Pipeline()) {
            var single = pipeline.plan(Path.of("runbooks/test-failover.yaml"), site.inventory,
                    new dev.runbook.plan.Planner.Request("app02", Map.of()), null).value().orElseThrow();
            Ended alone = new Runs(journal, site.journal).start(single, Path.of("runbooks/test-failover.yaml"),
                    site.inventory, pipeline.expressions(), null, id -> { });
            assertEquals(ExitCodes.OK, alone.exitCode(), alone.message());
            JsonNode before = site.resources();
            int runs = journal.runs().size();

            Ran refused = run(site, journal, shop("skipDependents", false, OK, OK), false);
            assertEquals(ExitCodes.REFUSED, refused.ended().exitCode());
            assertTrue(refused.ended().message().contains("refused whole; nothing was changed")
                    && refused.ended().message().contains("test-failover is not allowed while app02 is "
                    + "test-failover-active"), refused.ended().message());
            assertEquals(runs, journal.runs().size(), "a refused plan recorded runs");
            assertEquals(before, site.resources());
            Function<String, Boolean> owned = vm -> !site.recoverySite.read().path("owners").path(vm).isMissingNode();
            assertEquals(List.of(false, true, false), List.of(owned.apply("db01"), owned.apply("app02"),
                    owned.apply("web01")), "a refused plan left ownership records at the site");
        }
    }

    /**
     * With one VM booting at a time on the recovery site, the second VM's domain starts only once the first
     * has settled (its gate passed), though both are in flight at once; the wait is in the journal, and the
     * plan's status says why the VM waits while it does.
     */
    @Test
    void bootingPerSitePacesTheStartsOfVmsInFlightTogether() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        String yaml = """
                apiVersion: runbooks/v1
                kind: RecoveryPlan
                metadata: {name: paced, version: 1.0.0}
                spec:
                  operation: test-failover
                  concurrency: {vms: 2, bootingPerSite: 1}
                  tiers:
                    - name: all
                      gates: [{delay: 600ms}]
                      vms: [{name: db01}, {name: app02}]
                """;
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            java.util.concurrent.atomic.AtomicReference<String> waitingSeen = new java.util.concurrent.atomic.AtomicReference<>();
            journal.subscribe(e -> {
                if (e.kind() == Entry.Kind.NOTE && e.state().equals("waiting")) {
                    Thread.ofVirtual().start(() -> journal.run(e.runId()).ifPresent(r -> waitingSeen.set(
                            PlanStatus.of(journal, r, journal.entries(e.runId(), 0)).toString())));
                }
            });
            Ran ran = run(site, journal, yaml, false);
            assertEquals(RunState.COMPLETED, ran.result().state(), ran.result().message());
            List<Entry> all = journal.entriesAfter(0, 100_000);
            Map<String, Long> startBegins = all.stream().filter(e -> e.kind() == Entry.Kind.STEP
                            && "start".equals(e.step()) && e.state().equals("running"))
                    .collect(Collectors.toMap(e -> e.runId().substring(e.runId().lastIndexOf('.') + 1), Entry::seq,
                            (x, y) -> x));
            Map<String, Long> ready = all.stream().filter(e -> e.kind() == Entry.Kind.NOTE && "vm-ready".equals(e.state()))
                    .collect(Collectors.toMap(Entry::step, Entry::seq));
            String first = startBegins.get("db01") < startBegins.get("app02") ? "db01" : "app02";
            String second = first.equals("db01") ? "app02" : "db01";
            List<Entry> waits = all.stream().filter(e -> e.kind() == Entry.Kind.NOTE && e.state().equals("waiting"))
                    .toList();
            assertEquals(1, waits.size(), waits.toString());
            assertEquals(second, waits.get(0).step());
            long goesOn = all.stream().filter(e -> e.kind() == Entry.Kind.NOTE && e.state().equals("goes-on"))
                    .mapToLong(Entry::seq).findFirst().orElseThrow();
            assertTrue(ready.get(first) < goesOn, "the second VM went on before the first was ready");
            long secondStarted = all.stream().filter(e -> e.kind() == Entry.Kind.STEP && "start".equals(e.step())
                    && e.state().equals("succeeded") && e.runId().endsWith("." + second)).mapToLong(Entry::seq)
                    .findFirst().orElseThrow();
            assertTrue(goesOn < secondStarted, "the second VM's domain started before it had its slot");
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (waitingSeen.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(String.valueOf(waitingSeen.get()).contains("\"waiting\":\"waits for a slot: VMs booting on "
                    + "recovery (bootingPerSite 1) are at their bound\""), String.valueOf(waitingSeen.get()));
        }
    }

    /**
     * The details a server keeps from the journal's tail, read again and again while a plan runs and after its
     * rollback, say exactly what a fresh read of the journal says, for the plan run and for each VM's run.
     */
    @Test
    void detailsKeptFromTheTailMatchAFreshRead() throws Exception {
        LocalSiteFixture site = new LocalSiteFixture(java.nio.file.Files.createDirectories(tmp.resolve("site")));
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            RunDetails details = new RunDetails(journal);
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
            Runnable poll = () -> {
                while (!done.get()) {
                    for (RunRecord r : journal.runsWithoutPlans()) {
                        details.json(r.id()).orElseThrow();
                        reads.incrementAndGet();
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            };
            List<Thread> pollers = List.of(Thread.ofPlatform().start(poll), Thread.ofPlatform().start(poll),
                    Thread.ofPlatform().start(poll)); // requests at once share readings
            Ran ran = run(site, journal, shop("skipDependents", true, OK, OK), false);
            assertEquals(RunState.COMPLETED, ran.result().state(), ran.result().message());
            Ended rolledBack = new Runs(journal, site.journal).decide(ran.result().runId(), Operation.Outcome.ROLLBACK,
                    "ops", null, false, Reporter.NONE);
            assertEquals(ExitCodes.OK, rolledBack.exitCode(), rolledBack.message());
            Thread.sleep(50);
            done.set(true);
            for (Thread poller : pollers) {
                poller.join();
            }
            assertTrue(reads.get() > 20, "the details were read " + reads.get() + " times");
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            for (RunRecord r : journal.runsWithoutPlans()) {
                String kept = new String(details.json(r.id()).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(mapper.writeValueAsString(Status.detail(journal, journal.run(r.id()).orElseThrow())), kept,
                        r.id());
            }
            assertTrue(details.json("no-such-run").isEmpty());
        }
    }
}
