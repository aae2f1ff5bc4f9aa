package dev.runbook.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.expr.Scope;
import dev.runbook.model.Hashes;
import dev.runbook.model.SourceSpan;
import dev.runbook.template.Templates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders the guest files a {@code remediation.stage} step will stage. */
final class Scripts {

    interface Errors {
        void error(String pointer, String rule, String message);

        /** A finding placed in a template file rather than in the runbook. */
        void warning(SourceSpan at, String rule, String message);
    }

    private Scripts() {
    }

    static List<Plan.Script> render(Templates templates, Map<String, Object> model, Planner.Resolved with,
                                    String pointer, Errors errors) {
        List<Plan.Script> out = new ArrayList<>();
        JsonNode files = with.value().path("files");
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = files.get(i);
            String at = pointer + "/files/" + i;
            String template = f.path("template").asText();
            String path = f.path("path").asText();
            String mode = f.path("mode").asText("0644");
            if (!Templates.isSafeName(template) || !templates.exists(template)) {
                errors.error(at + "/template", "template", "template '" + template + "' does not exist in "
                        + templates.where());
                continue;
            }
            try {
                String content = templates.render(template, model, Scope.DEPRECATED, read -> errors.warning(
                        new SourceSpan(read.file(), read.line(), read.column()), "deprecated-name", "'" + read.alias()
                                + "' is deprecated; write '" + Scope.DEPRECATED.get(read.alias()) + "'"));
                out.add(new Plan.Script(template, path, mode, Hashes.sha256(content), content));
            } catch (Templates.RenderException e) {
                errors.error(at + "/template", "template", "template does not render for this VM: " + e.getMessage());
            }
        }
        return out;
    }
}
