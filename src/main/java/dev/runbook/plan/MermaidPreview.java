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
            String label = escape(s.index() + ". " + s.id() + (s.uses() != null ? "\\n" + s.uses() : ""));
            switch (s.kind()) {
                case "decision" -> out.append("  ").append(node).append("{\"").append(label).append("\\n")
                        .append(String.join(" / ", s.decision().options())).append("\"}\n");
                case "parallel" -> {
                    out.append("  subgraph ").append(node).append(" [\"").append(label).append("\"]\n");
                    String before = previous;
                    for (Plan.PlannedStep b : s.steps()) {
                        out.append("    ").append(id(b)).append("[\"").append(escape(b.index() + ". " + b.id()))
                                .append("\"]\n");
                    }
                    out.append("  end\n");
                    edge(before, node, "-->");
                    previous = node;
                    continue;
                }
                default -> out.append("  ").append(node).append("[\"").append(label).append("\"]\n");
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
            if (s.undo() != null && s.undo().uses() != null && !s.skipped()) {
                String u = id(s) + "_undo";
                out.append("  ").append(u).append("[/\"undo: ").append(escape(s.undo().uses())).append("\"/]\n");
                out.append("  ").append(id(s)).append(" -.-> ").append(u).append('\n');
            }
            if (s.steps() != null) {
                undoEdges(s.steps());
            }
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
