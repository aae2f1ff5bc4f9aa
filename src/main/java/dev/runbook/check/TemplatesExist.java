package dev.runbook.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.expr.Interpolation;
import dev.runbook.model.Step;

/** Guest files staged by {@code remediation.stage} name templates that exist and parse. */
final class TemplatesExist implements Rule {

    @Override
    public String id() {
        return "template";
    }

    @Override
    public String summary() {
        return "Templates named by remediation steps exist under templates/ and parse.";
    }

    @Override
    public void check(Context ctx) {
        for (Step s : ctx.runbook.allSteps()) {
            if (!(s instanceof Step.Action a) || !a.uses().equals("remediation.stage")) {
                continue;
            }
            JsonNode files = a.with().value().get("files");
            if (files == null || !files.isArray()) {
                continue;
            }
            for (int i = 0; i < files.size(); i++) {
                String at = a.with().pointer() + "/files/" + i;
                JsonNode file = files.get(i);
                if (!file.isObject() || !file.path("template").isTextual() || !file.path("path").isTextual()) {
                    ctx.error(at, "each staged file needs 'template' (under templates/) and 'path' (in the guest)");
                    continue;
                }
                String name = file.get("template").asText();
                if (Interpolation.parse(name).hasCode()) {
                    continue; // resolved and checked when planning
                }
                if (!dev.runbook.template.Templates.isSafeName(name)) {
                    ctx.error(at + "/template", "template name '" + name + "' must be a relative path inside templates/");
                } else if (!ctx.templates.exists(name)) {
                    ctx.error(at + "/template", "template '" + name + "' does not exist in "
                            + ctx.templates.where() + "; add it or fix the name");
                } else {
                    ctx.templates.parseError(name).ifPresent(e -> ctx.error(at + "/template", "template does not parse: " + e));
                }
                String path = file.get("path").asText();
                if (!path.startsWith("/") && !path.matches("^[A-Za-z]:[\\\\/].*")) {
                    ctx.error(at + "/path", "guest path '" + path + "' must be absolute");
                }
            }
        }
    }
}
