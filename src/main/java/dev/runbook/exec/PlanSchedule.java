package dev.runbook.exec;

import dev.runbook.exec.RecoveryRun.VmState;
import dev.runbook.plan.Plan;
import dev.runbook.plan.SitePlan;
import dev.runbook.primitive.HypervisorSpecs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which VMs of a recovery plan may start now, and which never will: the tiers (a tier starts once every VM of
 * the tiers before it has settled), each VM's dependencies, the failure policy and the VMs-in-flight bounds
 * (the plan's, each tier's, each recovery site's), over where the VMs stand. It reads nothing but what it is
 * given.
 */
final class PlanSchedule {

    /** The plan's failure policy. */
    enum Policy {
        SKIP_DEPENDENTS, CONTINUE, HALT;

        static Policy of(SitePlan plan) {
            return switch (plan.onFailure()) {
                case "continue" -> CONTINUE;
                case "halt" -> HALT;
                default -> SKIP_DEPENDENTS;
            };
        }
    }

    /** What one look decided: the VMs to start, and the VMs that will never run, each with why. */
    record Look(List<SitePlan.Vm> start, Map<String, String> skip) {
    }

    private final SitePlan plan;
    private final Policy policy;

    PlanSchedule(SitePlan plan) {
        this.plan = plan;
        this.policy = Policy.of(plan);
    }

    /** The id of the step that starts a VM's recovered domain, or null when its runbook has none. */
    static String startStep(SitePlan.Vm vm) {
        for (Plan.PlannedStep s : flat(vm.plan().steps())) {
            if (s instanceof Plan.PlannedAction a && a.uses().equals(HypervisorSpecs.START.name())) {
                return a.id();
            }
        }
        return null;
    }

    private static List<Plan.PlannedStep> flat(List<Plan.PlannedStep> steps) {
        List<Plan.PlannedStep> out = new java.util.ArrayList<>();
        for (Plan.PlannedStep s : steps) {
            out.add(s);
            out.addAll(flat(s.children()));
        }
        return out;
    }

    /** True when {@code vm} failing halts the plan: it is critical, or the policy is to halt. */
    boolean halts(SitePlan.Vm vm) {
        return vm.critical() || policy == Policy.HALT;
    }

    /**
     * Looks at every pending VM in plan order. Each VM decided is marked in {@code states} at once (RUNNING or
     * SKIPPED), so the bounds count it for the VMs after it.
     *
     * @param started the VMs whose recovered domain started
     * @param halt    why the plan halted, if it did: every pending VM is then skipped
     */
    Look look(Map<String, VmState> states, Set<String> started, Optional<String> halt) {
        List<SitePlan.Vm> start = new java.util.ArrayList<>();
        Map<String, String> skip = new LinkedHashMap<>();
        boolean earlierSettled = true;
        for (SitePlan.Tier tier : plan.tiers()) {
            for (SitePlan.Vm vm : tier.vms()) {
                if (states.get(vm.vm()) != VmState.PENDING) {
                    continue;
                }
                Optional<String> never = halt.map(h -> "not attempted: the plan halted (" + h + ")")
                        .or(() -> unmetDependency(vm, states));
                if (never.isPresent() && (halt.isPresent() || earlierSettled)) {
                    states.put(vm.vm(), VmState.SKIPPED);
                    skip.put(vm.vm(), never.get());
                } else if (earlierSettled && dependenciesMet(vm, states, started) && withinBounds(tier, vm, states)) {
                    states.put(vm.vm(), VmState.RUNNING);
                    start.add(vm);
                }
            }
            earlierSettled &= tier.vms().stream().allMatch(v -> states.get(v.vm()).settled());
        }
        return new Look(start, skip);
    }

    /** Why a VM will never run: a dependency failed that it does not only wait to be attempted. */
    private Optional<String> unmetDependency(SitePlan.Vm vm, Map<String, VmState> states) {
        if (policy == Policy.CONTINUE) {
            return Optional.empty();
        }
        for (SitePlan.Edge e : vm.after()) {
            VmState dep = states.get(e.vm());
            // A dependency that failed (and was rolled back) no longer serves, even one that had started.
            if (dep.failed() && !e.waitFor().equals("attempted")) {
                return Optional.of("not attempted: it waits for " + e.vm() + " to be " + e.waitFor() + ", and "
                        + e.vm() + " " + (dep == VmState.FAILED ? "failed" : dep == VmState.BLOCKED
                        ? "was blocked by its prechecks" : "was not attempted"));
            }
        }
        return Optional.empty();
    }

    private static boolean dependenciesMet(SitePlan.Vm vm, Map<String, VmState> states, Set<String> started) {
        for (SitePlan.Edge e : vm.after()) {
            VmState dep = states.get(e.vm());
            boolean met = switch (e.waitFor()) {
                case "attempted" -> dep.settled();
                case "started" -> started.contains(e.vm()) || dep.settled();
                default -> dep == VmState.READY || dep.settled();
            };
            if (!met) {
                return false;
            }
        }
        return true;
    }

    private boolean withinBounds(SitePlan.Tier tier, SitePlan.Vm vm, Map<String, VmState> states) {
        long inFlight = states.values().stream().filter(s -> s == VmState.RUNNING).count();
        if (inFlight >= plan.concurrency()) {
            return false;
        }
        if (tier.concurrency() != null && tier.vms().stream()
                .filter(v -> states.get(v.vm()) == VmState.RUNNING).count() >= tier.concurrency()) {
            return false;
        }
        return plan.perSite() == null || plan.vms().stream()
                .filter(v -> v.site().equals(vm.site()) && states.get(v.vm()) == VmState.RUNNING)
                .count() < plan.perSite();
    }
}
