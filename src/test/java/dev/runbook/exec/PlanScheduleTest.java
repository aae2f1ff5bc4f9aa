package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.runbook.exec.RecoveryRun.VmState;
import dev.runbook.plan.SitePlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What may start now in a recovery plan, decided from where its VMs stand: a tier waits for the tiers before
 * it, a dependency for what it waits for, the failure policy skips what can never run, and the bounds on VMs
 * in flight (plan, tier, site) count the VMs started in the same look.
 */
class PlanScheduleTest {

    private static SitePlan.Vm vm(String name, String site, SitePlan.Edge... after) {
        return new SitePlan.Vm(name, site, "runbooks/test-failover.yaml", false, List.of(after), List.of(), null);
    }

    private static SitePlan plan(int concurrency, Integer perSite, String onFailure, SitePlan.Tier... tiers) {
        return new SitePlan(SitePlan.VERSION, null, null, "test-failover", concurrency, perSite, null, null, onFailure,
                null, List.of(tiers), null);
    }

    private static Map<String, VmState> pending(SitePlan plan) {
        Map<String, VmState> states = new LinkedHashMap<>();
        plan.vms().forEach(v -> states.put(v.vm(), VmState.PENDING));
        return states;
    }

    private static List<String> names(PlanSchedule.Look look) {
        return look.start().stream().map(SitePlan.Vm::vm).toList();
    }

    @Test
    void aTierStartsOnceTheTiersBeforeItHaveSettledAndBoundsCountWhatStarts() {
        SitePlan plan = plan(3, 2, "skipDependents",
                new SitePlan.Tier("db", null, null, List.of(vm("db1", "a"), vm("db2", "a"), vm("db3", "b"))),
                new SitePlan.Tier("app", 1, null, List.of(vm("app1", "a"), vm("app2", "b"))));
        PlanSchedule schedule = new PlanSchedule(plan);
        Map<String, VmState> states = pending(plan);

        assertEquals(List.of("db1", "db2", "db3"), names(schedule.look(states, Set.of(), Optional.empty())));
        assertEquals(List.of(), names(schedule.look(states, Set.of(), Optional.empty())), "all in flight");

        states.putAll(Map.of("db1", VmState.READY, "db2", VmState.READY));
        assertEquals(List.of(), names(schedule.look(states, Set.of(), Optional.empty())), "db3 has not settled");

        states.put("db3", VmState.FAILED);
        PlanSchedule.Look look = schedule.look(states, Set.of(), Optional.empty());
        assertEquals(List.of("app1"), names(look), "the tier's own bound is 1");
        assertEquals(VmState.RUNNING, states.get("app1"));
    }

    @Test
    void perSiteCountsTheVmsInFlightOnEachRecoverySite() {
        SitePlan plan = plan(10, 1, "skipDependents",
                new SitePlan.Tier("all", null, null, List.of(vm("a1", "a"), vm("a2", "a"), vm("b1", "b"))));
        assertEquals(List.of("a1", "b1"), names(new PlanSchedule(plan).look(pending(plan), Set.of(), Optional.empty())));
    }

    @Test
    void aFailedDependencySkipsItsDependentsUnlessTheyOnlyWaitForAnAttemptOrThePolicyContinues() {
        SitePlan.Tier tier = new SitePlan.Tier("all", null, null, List.of(vm("db", "a"),
                vm("app", "a", new SitePlan.Edge("db", "ready")), vm("web", "a", new SitePlan.Edge("db", "started")),
                vm("audit", "a", new SitePlan.Edge("db", "attempted"))));
        SitePlan skipping = plan(10, null, "skipDependents", tier);
        Map<String, VmState> states = pending(skipping);
        states.put("db", VmState.FAILED);
        PlanSchedule.Look look = new PlanSchedule(skipping).look(states, Set.of("db"), Optional.empty());
        assertEquals(List.of("audit"), names(look));
        assertEquals(Map.of("app", "not attempted: it waits for db to be ready, and db failed",
                "web", "not attempted: it waits for db to be started, and db failed"), look.skip());

        SitePlan continuing = plan(10, null, "continue", tier);
        states = pending(continuing);
        states.put("db", VmState.FAILED);
        assertEquals(List.of("app", "web", "audit"),
                names(new PlanSchedule(continuing).look(states, Set.of(), Optional.empty())));
    }

    @Test
    void aDependencyOnAStartIsMetOnceTheDomainStarted() {
        SitePlan plan = plan(10, null, "skipDependents", new SitePlan.Tier("all", null, null, List.of(vm("db", "a"),
                vm("web", "a", new SitePlan.Edge("db", "started")))));
        PlanSchedule schedule = new PlanSchedule(plan);
        Map<String, VmState> states = pending(plan);
        assertEquals(List.of("db"), names(schedule.look(states, Set.of(), Optional.empty())));
        assertEquals(List.of(), names(schedule.look(states, Set.of(), Optional.empty())));
        assertEquals(List.of("web"), names(schedule.look(states, Set.of("db"), Optional.empty())));
    }

    @Test
    void aHaltedPlanSkipsEveryPendingVmWhateverItsTier() {
        SitePlan plan = plan(1, null, "halt", new SitePlan.Tier("one", null, null, List.of(vm("a", "s"), vm("b", "s"))),
                new SitePlan.Tier("two", null, null, List.of(vm("c", "s"))));
        Map<String, VmState> states = pending(plan);
        states.put("a", VmState.RUNNING);
        PlanSchedule.Look look = new PlanSchedule(plan).look(states, Set.of(), Optional.of("a failed"));
        assertEquals(List.of(), names(look));
        assertEquals(List.of("b", "c"), List.copyOf(look.skip().keySet()));
        assertEquals("not attempted: the plan halted (a failed)", look.skip().get("c"));
        assertEquals(VmState.SKIPPED, states.get("c"));
    }
}
