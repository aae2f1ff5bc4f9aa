package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.Primitives;
import dev.runbook.primitive.SiteBindings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a saved plan still describes what would run: the runbook, the inventory, the plan made from
 * them now, and the live state its prechecks observe.
 */
public final class Drift {

    /** Probes of engine state, not of the site: they are checked when the run starts, not compared. */
    private static final List<String> NOT_OBSERVED = List.of("locks.active");

    private Drift() {
    }

    /** The result of every precheck probe whose parameters are known before the run. */
    public static Map<String, JsonNode> observe(Plan plan, Primitives site) throws PrimitiveException, InterruptedException {
        Map<String, JsonNode> seen = new LinkedHashMap<>();
        for (Plan.PlannedPrecheck p : plan.prechecks()) {
            if (NOT_OBSERVED.contains(p.probe()) || (p.deferred() != null && !p.deferred().isEmpty())) {
                continue;
            }
            Primitive probe = site.find(p.probe()).orElseThrow(() -> new PrimitiveException("no probe " + p.probe()));
            seen.put(p.id(), probe.apply(new Call("plan", p.id(), Call.Phase.PROBE, p.with(), plan.bindings())));
        }
        return seen;
    }

    /** What differs between the saved plan and the plan made now from the same files; empty when nothing. */
    public static List<String> between(Plan saved, Plan fresh) {
        List<String> out = new ArrayList<>();
        if (!dev.runbook.plan.Planner.hash(saved).equals(saved.hash())) {
            out.add("the plan file was edited after it was saved (its content no longer matches " + saved.hash() + ")");
            return out;
        }
        if (saved.bindings() != null && SiteBindings.earlier(saved.bindings())) {
            out.add("the plan was saved by an earlier version of runbook, which bound the sites as 'site' and "
                    + "'sourceSite' (now 'recoverySite' and 'protectedSite')");
            return out;
        }
        if (!saved.runbook().sha256().equals(fresh.runbook().sha256())) {
            out.add("the runbook " + saved.runbook().file() + " changed since planning (sha256 "
                    + saved.runbook().sha256().substring(0, 12) + " then, " + fresh.runbook().sha256().substring(0, 12) + " now)");
        }
        if (!saved.inventory().sha256().equals(fresh.inventory().sha256())) {
            out.add("the inventory " + saved.inventory().file() + " changed since planning (sha256 "
                    + saved.inventory().sha256().substring(0, 12) + " then, " + fresh.inventory().sha256().substring(0, 12) + " now)");
        }
        Plan unobserved = saved.withObserved(null);
        if (out.isEmpty() && !unobserved.hash().equals(fresh.hash())) {
            out.add("planning the same files now gives a different plan (" + fresh.hash() + " instead of "
                    + unobserved.hash() + "): a template or an input default changed");
        }
        return out;
    }

    /** What the live state says differently now from what the saved plan observed. */
    public static List<String> live(Plan saved, Primitives site) throws PrimitiveException, InterruptedException {
        List<String> out = new ArrayList<>();
        if (saved.observed() == null) {
            return out;
        }
        Map<String, JsonNode> now = observe(saved, site);
        saved.observed().forEach((id, then) -> {
            JsonNode current = now.get(id);
            if (!then.equals(current)) {
                out.add("precheck " + id + " observed " + then + " when planned, and " + current + " now");
            }
        });
        return out;
    }
}
