package dev.runbook.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The plan as an operator reads it in review: numbered steps, guards, undo lines and the scripts. */
public final class TextPreview {

    private final StringBuilder out = new StringBuilder();
    private final boolean fullScripts;

    private TextPreview(boolean fullScripts) {
        this.fullScripts = fullScripts;
    }

    /** With {@code fullScripts} false, scripts are listed by guest path and hash only. */
    public static String render(Plan plan, boolean fullScripts) {
        return new TextPreview(fullScripts).plan(plan);
    }

    private String plan(Plan p) {
        line("Plan: %s %s for VM %s", p.runbook().name(), p.runbook().version(), p.vm());
        line("  runbook     %s (sha256:%s)", p.runbook().file(), p.runbook().sha256().substring(0, 12));
        line("  inventory   %s (sha256:%s)", p.inventory().file(), p.inventory().sha256().substring(0, 12));
        line("  operation   %s: %s -> %s", p.operation(), String.join(" | ", p.lifecycle().from()), p.lifecycle().to());
        line("  inputs      %s", inputs(p.inputs()));
        line("  locks       %s", p.locks().isEmpty() ? "(none)" : String.join(", ", p.locks()));
        line("  plan hash   %s", p.hash());
        line("");
        if (!p.prechecks().isEmpty()) {
            line("Prechecks (all run before any change; a blocking failure stops the run):");
            for (Plan.PlannedPrecheck c : p.prechecks()) {
                line("  - %s [%s] %s%s", c.id(), c.severity(), c.probe(), args(c.with(), c.deferred()));
                line("      require  %s", c.require());
                line("      fix      %s", c.fix());
            }
            line("");
        }
        line("Steps:");
        steps(p.steps(), "  ");
        if (!p.finallySteps().isEmpty()) {
            line("");
            line("Finally (always, after success or compensation):");
            steps(p.finallySteps(), "  ");
        }
        line("");
        line("Compensation on failure (runs in this order):");
        if (p.compensation().isEmpty()) {
            line("  (nothing to undo)");
        }
        for (Plan.Compensation c : p.compensation()) {
            if (c.uses() != null) {
                line("  <- %s: %s", c.step(), c.uses());
            } else if (c.coveredBy() != null) {
                line("  <- %s: covered by the undo of %s", c.step(), c.coveredBy());
            } else {
                line("  !! %s: cannot be undone (%s)", c.step(), c.irreversible());
            }
        }
        scripts(p.steps());
        line("");
        line("Plan: %d steps, %d change the site, %d skipped, %d undo actions, %d guest files.",
                count(p.steps(), s -> true),
                count(p.steps(), s -> s instanceof Plan.PlannedAction a && a.mutates() && !s.skipped()),
                count(p.steps(), Plan.PlannedStep::skipped),
                p.compensation().stream().filter(c -> c.uses() != null).count(),
                count(p.steps(), s -> s instanceof Plan.PlannedAction a && a.scripts() != null,
                        s -> ((Plan.PlannedAction) s).scripts().size()));
        return out.toString();
    }

    private void steps(List<Plan.PlannedStep> steps, String indent) {
        for (Plan.PlannedStep s : steps) {
            String head = indent + s.index() + ". " + s.id();
            String skipped = s.skipped() ? "  SKIPPED" : "";
            switch (s) {
                case Plan.PlannedAction a -> line("%s  %s%s%s", head, a.uses(), a.mutates() ? "  (changes the site)" : "",
                        skipped);
                case Plan.PlannedGroup g -> line("%s  parallel, at most %d at once%s%s", head, g.concurrency(),
                        Boolean.TRUE.equals(g.failFast()) ? ", fail fast" : "", skipped);
                case Plan.PlannedDecision d -> line("%s  decision: %s%s", head,
                        String.join(" or ", d.decision().options()), skipped);
            }
            String pad = indent + " ".repeat(s.index().length() + 2);
            if (s.name() != null) {
                line("%s%s", pad, s.name());
            }
            if (s instanceof Plan.PlannedAction a && a.summary() != null) {
                line("%s# %s", pad, a.summary());
            }
            if (s.when() != null) {
                line("%swhen     %s  => %s", pad, s.when().expression(), s.when().value());
            }
            if (s.needs() != null) {
                line("%sneeds    %s", pad, String.join(", ", s.needs()));
            }
            switch (s) {
                case Plan.PlannedAction a -> action(a, pad);
                case Plan.PlannedGroup g -> {
                    common(s, pad);
                    steps(g.steps(), indent + "   ");
                }
                case Plan.PlannedDecision d -> {
                    common(s, pad);
                    decision(d.decision(), pad);
                }
            }
        }
    }

    /** The lines every kind of step has after its head: its condition and its time limit. */
    private void common(Plan.PlannedStep s, String pad) {
        if (s.require() != null) {
            line("%srequire  %s", pad, s.require());
        }
        if (s.timeout() != null) {
            line("%stimeout  %s", pad, s.timeout());
        }
    }

    private void action(Plan.PlannedAction a, String pad) {
        if (a.with() != null && a.with().size() > 0) {
            a.with().fields().forEachRemaining(e -> line("%s  %-10s = %s%s", pad, e.getKey(), value(e.getValue()),
                    isDeferred(a.deferred(), e.getKey()) ? "  (known at run time)" : ""));
        }
        if (a.require() != null) {
            line("%srequire  %s", pad, a.require());
        }
        if (a.uses().equals("remediation.await-status") && a.with() != null && a.with().has("failOn")) {
            line("%sfails    the run when remediation ends %s (failOn); any other status is recorded and shown",
                    pad, value(a.with().get("failOn")));
        }
        if (a.retry() != null) {
            line("%sretry    %d attempts, backoff %s (max %s, jitter %.0f%%)", pad, a.retry().attempts(),
                    a.retry().backoff(), a.retry().maxBackoff(), a.retry().jitter() * 100);
        }
        if (a.timeout() != null) {
            line("%stimeout  %s", pad, a.timeout());
        }
        if (a.undo() != null) {
            if (a.undo().coveredBy() != null) {
                line("%sundo:    covered by the undo of %s", pad, a.undo().coveredBy());
            } else {
                line("%sundo:    %s%s", pad, a.undo().uses(), args(a.undo().with(), a.undo().deferred()));
            }
        } else if (a.irreversible() != null) {
            line("%sundo:    none, irreversible: %s", pad, a.irreversible());
        }
        if (a.scripts() != null) {
            for (Plan.Script f : a.scripts()) {
                line("%sstage    %s  (%s, mode %s, sha256:%s)", pad, f.path(), f.template(), f.mode(),
                        f.sha256().substring(0, 12));
            }
        }
    }

    private void decision(Plan.Decision d, String pad) {
        if (d.prompt() != null) {
            line("%sprompt   %s", pad, d.prompt());
        }
        if (d.timeout() != null) {
            line("%stimeout  %s, then %s", pad, d.timeout(), d.onTimeout() == null ? "remind" : d.onTimeout());
        }
        if (d.commitWhen() != null) {
            line("%sgate     the operator's commit needs %s (or --accept-remediation)", pad, d.commitWhen());
        }
    }

    private void scripts(List<Plan.PlannedStep> steps) {
        if (!fullScripts) {
            return;
        }
        for (Plan.PlannedStep s : steps) {
            if (s instanceof Plan.PlannedAction a && a.scripts() != null) {
                for (Plan.Script f : a.scripts()) {
                    line("");
                    line("--- %s  (step %s, from templates/%s, sha256:%s)", f.path(), s.id(), f.template(), f.sha256());
                    f.content().lines().forEach(l -> line("    %s", l));
                }
            }
            scripts(s.children());
        }
    }

    private static boolean isDeferred(List<String> deferred, String key) {
        return deferred != null && deferred.stream().anyMatch(d -> d.equals("/" + key) || d.startsWith("/" + key + "/"));
    }

    private static String args(JsonNode with, List<String> deferred) {
        if (with == null || with.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("(");
        with.fields().forEachRemaining(e -> {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(e.getKey()).append(" = ").append(value(e.getValue()));
            if (isDeferred(deferred, e.getKey())) {
                b.append(" (at run time)");
            }
        });
        return b.append(")").toString();
    }

    private static String value(JsonNode v) {
        return v.isTextual() ? "\"" + v.asText().replace("\"", "\\\"") + "\"" : v.toString();
    }

    private static String inputs(Map<String, JsonNode> inputs) {
        if (inputs.isEmpty()) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        inputs.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(" = ").append(value(v)));
        return b.toString();
    }

    private static long count(List<Plan.PlannedStep> steps, java.util.function.Predicate<Plan.PlannedStep> p) {
        return count(steps, p, s -> 1);
    }

    private static long count(List<Plan.PlannedStep> steps, java.util.function.Predicate<Plan.PlannedStep> p,
                              java.util.function.ToIntFunction<Plan.PlannedStep> weight) {
        long n = 0;
        for (Plan.PlannedStep s : steps) {
            if (p.test(s)) {
                n += weight.applyAsInt(s);
            }
            n += count(s.children(), p, weight);
        }
        return n;
    }

    private void line(String format, Object... args) {
        out.append(args.length == 0 ? format : String.format(java.util.Locale.ROOT, format, args)).append('\n');
    }
}
