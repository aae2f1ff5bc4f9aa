package dev.runbook.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.stream.Collectors;

/** The dry-run preview of a recovery plan: tiers, VMs, dependencies, gates, bounds and each VM's runbook. */
public final class SitePreview {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SitePreview() {
    }

    public static String json(SitePlan plan) {
        try {
            return JSON.writeValueAsString(plan) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String text(SitePlan plan) {
        StringBuilder out = new StringBuilder();
        int vms = plan.vms().size();
        out.append("Recovery plan: ").append(plan.recoveryPlan().name()).append(' ').append(plan.recoveryPlan().version())
                .append(" (").append(plan.operation()).append(") over inventory ").append(plan.inventory().name())
                .append('\n');
        out.append("  ").append(vms).append(vms == 1 ? " VM" : " VMs").append(" in ").append(plan.tiers().size())
                .append(plan.tiers().size() == 1 ? " tier" : " tiers").append("; at most ").append(plan.concurrency())
                .append(" in flight").append(plan.perSite() == null ? "" : " (" + plan.perSite() + " per site)")
                .append(plan.bootingPerSite() == null ? "" : ", " + plan.bootingPerSite() + " booting per site")
                .append(plan.heavyPerSite() == null ? "" : ", " + plan.heavyPerSite()
                        + (plan.heavyPerSite() == 1 ? " heavy primitive" : " heavy primitives") + " at once per site")
                .append("; on failure: ").append(plan.onFailure())
                .append(plan.rto() == null ? "" : "; RTO " + plan.rto()).append('\n');
        out.append("  ").append(plan.hash()).append("\n");
        for (int i = 0; i < plan.tiers().size(); i++) {
            SitePlan.Tier tier = plan.tiers().get(i);
            out.append("\nTier ").append(i + 1).append(' ').append(tier.name());
            List<String> notes = new java.util.ArrayList<>();
            if (tier.concurrency() != null) {
                notes.add("at most " + tier.concurrency() + " in flight");
            }
            if (tier.rto() != null) {
                notes.add("RTO " + tier.rto());
            }
            if (i > 0) {
                notes.add("starts once tier " + plan.tiers().get(i - 1).name() + " has settled");
            }
            out.append(notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")").append('\n');
            for (SitePlan.Vm vm : tier.vms()) {
                Plan p = vm.plan();
                out.append("  ").append(vm.vm()).append(" -> ").append(vm.site()).append(": ")
                        .append(p.runbook().name()).append(' ').append(p.runbook().version()).append(" (")
                        .append(vm.runbookFile()).append("), ").append(count(p.steps())).append(" steps, ")
                        .append(p.prechecks().size()).append(" prechecks").append(vm.critical() ? ", critical" : "")
                        .append('\n');
                if (!vm.after().isEmpty()) {
                    out.append("    after: ").append(vm.after().stream().map(e -> e.vm() + " (" + e.waitFor() + ")")
                            .collect(Collectors.joining(", "))).append('\n');
                }
                for (SitePlan.Gate g : vm.gates()) {
                    out.append("    gate: ").append(gate(g)).append('\n');
                }
                if (vm.gates().isEmpty()) {
                    out.append("    ready when its runbook reaches ").append(p.lifecycle().to()).append('\n');
                }
                out.append("    plan ").append(p.hash()).append('\n');
            }
        }
        out.append("\nEach VM's plan in full: runbook plan RUNBOOK -i INVENTORY --vm VM\n");
        return out.toString();
    }

    private static String gate(SitePlan.Gate g) {
        String what = switch (g.kind()) {
            case "tcp" -> "tcp port " + g.spec().path("port").asInt() + " opens on "
                    + g.spec().path("host").asText("the VM's first captured IPv4");
            case "http" -> "GET " + g.spec().path("url").asText() + " answers "
                    + (g.spec().has("status") ? g.spec().get("status").asText() : "2xx");
            case "remediation" -> "guest remediation is " + g.spec().path("require").asText();
            case "expression" -> "expression " + g.spec().asText();
            case "delay" -> "wait";
            default -> g.kind();
        };
        return what + " (" + (g.kind().equals("delay") ? "" : "within ") + g.timeout() + ")";
    }

    private static int count(List<Plan.PlannedStep> steps) {
        int n = 0;
        for (Plan.PlannedStep s : steps) {
            n += 1 + count(s.children());
        }
        return n;
    }
}
