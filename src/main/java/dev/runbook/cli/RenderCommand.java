package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runbook render}: writes every guest file a runbook would stage for one VM into a folder, for
 * review, diffing or linting. The files are the plan's own: the bytes a run stages.
 */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Write the guest files a runbook stages for one VM into a folder, as "
                + "DIR/<step id>/<guest path>, with DIR/manifest.json listing each file's template, mode and "
                + "sha256. Changes nothing else.")
final class RenderCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    PlanTarget target;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "The folder to write into; created if missing, and must be empty if it exists.")
    Path out;

    @Override
    public Integer call() throws IOException {
        var stdout = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmpty(out))) {
            err.println("error: " + out + " exists and is not an empty folder; name a new or empty one");
            return ExitCodes.INVALID;
        }
        try (Pipeline pipeline = new Pipeline()) {
            var loaded = target.plan(pipeline);
            if (Report.print(loaded.diagnostics(), err) || loaded.value().isEmpty()) {
                return ExitCodes.INVALID;
            }
            Plan plan = loaded.value().get();
            ObjectMapper json = new ObjectMapper();
            ObjectNode manifest = json.createObjectNode().put("runbook", plan.runbook().name())
                    .put("vm", plan.vm()).put("planHash", plan.hash());
            ArrayNode files = manifest.putArray("files");
            List<Plan.PlannedAction> steps = new ArrayList<>();
            actions(plan.steps(), steps);
            Files.createDirectories(out);
            for (Plan.PlannedAction s : steps) {
                if (s.scripts() == null || s.skipped()) {
                    continue;
                }
                for (Plan.Script sc : s.scripts()) {
                    Path file = out.resolve(s.id()).resolve(relative(sc.path()));
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, sc.content());
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions(sc.mode())));
                    files.addObject().put("step", s.id()).put("template", sc.template()).put("path", sc.path())
                            .put("mode", sc.mode()).put("sha256", sc.sha256())
                            .put("file", out.relativize(file).toString());
                    stdout.println(sc.sha256().substring(0, 12) + "  " + out.relativize(file) + "  (from templates/"
                            + sc.template() + ")");
                }
            }
            Files.writeString(out.resolve("manifest.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(manifest) + "\n");
            if (files.isEmpty()) {
                stdout.println("no guest files: every staging step of " + plan.runbook().name() + " is skipped for "
                        + plan.vm() + " (see `runbook plan` for why)");
            }
            stdout.flush();
            return ExitCodes.OK;
        }
    }

    private static void actions(List<Plan.PlannedStep> steps, List<Plan.PlannedAction> into) {
        for (Plan.PlannedStep s : steps) {
            if (s instanceof Plan.PlannedAction a) {
                into.add(a);
            }
            actions(s.children(), into);
        }
    }

    /** A guest path as a path inside the output folder: drive letter and leading slashes dropped. */
    static Path relative(String guestPath) {
        String p = guestPath.replace('\\', '/').replaceFirst("^[A-Za-z]:", "").replaceFirst("^/+", "");
        Path rel = Path.of(p).normalize();
        if (rel.startsWith("..") || rel.toString().isEmpty()) {
            throw new IllegalArgumentException("guest path '" + guestPath + "' does not name a file");
        }
        return rel;
    }

    private static String permissions(String mode) {
        int bits = Integer.parseInt(mode, 8) & 0777;
        StringBuilder s = new StringBuilder();
        String rwx = "rwx";
        for (int i = 8; i >= 0; i--) {
            s.append((bits & (1 << i)) != 0 ? rwx.charAt(2 - i % 3) : '-');
        }
        return s.toString();
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
