package dev.runbook.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * A planned recovery of many VMs: plain data, serialisable to JSON, identified by a hash over its content.
 * Each VM carries its own per-VM {@link Plan}; tiers keep their order (a tier starts once the tier before it
 * has settled); {@code after} holds only the dependencies written in the plan.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SitePlan(int planVersion, Plan.Source recoveryPlan, Plan.Source inventory, String operation,
                       int concurrency, Integer perSite, Integer bootingPerSite, Integer heavyPerSite,
                       String onFailure, String rto, List<Tier> tiers, String hash) {

    public static final int VERSION = 1;

    public SitePlan withHash(String hash) {
        return new SitePlan(planVersion, recoveryPlan, inventory, operation, concurrency, perSite, bootingPerSite,
                heavyPerSite, onFailure, rto, tiers, hash);
    }

    /** A priority group as planned. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tier(String name, Integer concurrency, String rto, List<Vm> vms) {
    }

    /** One VM as planned: its per-VM runbook's plan, dependencies and gates. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Vm(String vm, String site, String runbookFile, boolean critical, List<Edge> after, List<Gate> gates,
                     Plan plan) {
    }

    /** A dependency: {@code waitFor} is ready, started or attempted. */
    public record Edge(String vm, String waitFor) {
    }

    /**
     * A readiness gate: {@code kind} is tcp, http, remediation, expression or delay; {@code spec} its settings
     * as written; {@code timeout} as a duration text.
     */
    public record Gate(String kind, JsonNode spec, String timeout) {
    }

    /** Every VM, tier by tier. */
    public List<Vm> vms() {
        return tiers.stream().flatMap(t -> t.vms().stream()).toList();
    }

    /** The VM entry and the tier it belongs to. */
    public Optional<Vm> vm(String name) {
        return vms().stream().filter(v -> v.vm().equals(name)).findFirst();
    }

    /** The index of the tier holding {@code vm}, or -1. */
    public int tierOf(String vm) {
        for (int i = 0; i < tiers.size(); i++) {
            if (tiers.get(i).vms().stream().anyMatch(v -> v.vm().equals(vm))) {
                return i;
            }
        }
        return -1;
    }
}
