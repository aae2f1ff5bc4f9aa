package dev.runbook.plan;

import java.util.List;

/** The plan as a Mermaid flowchart: steps in order, undo edges dashed, skipped steps greyed. */
public final class MermaidPreview {

    private final StringBuilder out = new StringBuilder();
    private String previous;

    private MermaidPreview() {
    }

    public static String render(Plan plan) {
        return new MermaidPreview().plan(plan);
    }

    private String plan(Plan p) {
        out.append("flowchart TD\n");
        out.append("  start([\"").append(escape(p.runbook().name() + " " + p.runbook().version() + " for " + p.vm()))
                .append("\"])\n");
        previous = "start";
        if (!p.prechecks().isEmpty()) {
            out.append("  prechecks{{\"prechecks: ").append(p.prechecks().size()).append("\"}}\n");
            edge(previous, "prechecks", "-->");
            previous = "prechecks";
        }
        steps(p.steps());
        out.append("  done([\"").append(escape(p.lifecycle().to())).append("\"])\n");
        edge(previous, "done", "-->");
        undoEdges(p.steps());
        out.append("  classDef skipped fill:#eee,stroke:#999,color:#999\n");
        return out.toString();
    }

    private void steps(List<Plan.PlannedStep> steps) {
        for (Plan.PlannedStep s : steps) {
            String node = id(s);
            switch (s) {
                case Plan.PlannedAction a -> out.append("  ").append(node).append("[\"")
                        .append(escape(s.index() + ". " + s.id() + "\\n" + a.uses())).append("\"]\n");
                case Plan.PlannedDecision d -> out.append("  ").append(node).append("{\"")
                        .append(escape(s.index() + ". " + s.id())).append("\\n")
                        .append(String.join(" / ", d.decision().options())).append("\"}\n");
                case Plan.PlannedGroup g -> {
                    out.append("  subgraph ").append(node).append(" [\"").append(escape(s.index() + ". " + s.id()))
                            .append("\"]\n");
                    for (Plan.PlannedStep b : g.steps()) {
                        out.append("    ").append(id(b)).append("[\"").append(escape(b.index() + ". " + b.id()))
                                .append("\"]\n");
                    }
                    out.append("  end\n");
                    edge(previous, node, "-->");
                    previous = node;
                    continue;
                }
            }
            if (s.skipped()) {
                out.append("  class ").append(node).append(" skipped\n");
            }
            edge(previous, node, "-->");
            previous = node;
        }
    }

    private void undoEdges(List<Plan.PlannedStep> steps) {
        for (Plan.PlannedStep s : steps) {
            if (s instanceof Plan.PlannedAction a && a.undo() != null && a.undo().uses() != null && !s.skipped()) {
                String u = id(s) + "_undo";
                out.append("  ").append(u).append("[/\"undo: ").append(escape(a.undo().uses())).append("\"/]\n");
                out.append("  ").append(id(s)).append(" -.-> ").append(u).append('\n');
            }
            undoEdges(s.children());
        }
    }

    private void edge(String from, String to, String arrow) {
        out.append("  ").append(from).append(' ').append(arrow).append(' ').append(to).append('\n');
    }

    private static String id(Plan.PlannedStep s) {
        return "s_" + s.id().replace('-', '_');
    }

    private static String escape(String s) {
        return s.replace("\"", "#quot;");
    }
}
