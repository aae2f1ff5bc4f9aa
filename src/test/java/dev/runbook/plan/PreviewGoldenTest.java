package dev.runbook.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runbook.load.Loaded;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The three previews of every shipped runbook over the sample inventory, byte for byte, plan hash included.
 * Paths are given relative to the project folder, as an operator types them, so the files and hashes
 * recorded in the plan are the same on every machine. Regenerate with {@code -Dgolden.update=true}.
 */
class PreviewGoldenTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden/previews");
    private static final Path INVENTORY = Path.of("inventories/sample.yaml");
    private static final Path TEMPLATES = Path.of("templates");
    private static final List<String> RUNBOOKS = List.of("test-failover", "planned-failover", "live-failover",
            "rollback", "commit", "reprotect", "failback", "failback-commit");
    /** web01: foreign hardware, scripts rendered; app02: KVM-native, adaptation skipped; win03: Windows. */
    private static final List<String> VMS = List.of("web01", "app02", "win03");
    /** The run a follow-up operation acts on has no default; a fixed id keeps the plan hash fixed too. */
    private static final Map<String, Map<String, String>> INPUTS = Map.of(
            "rollback", Map.of("failoverRun", "run-1"),
            "commit", Map.of("failoverRun", "run-1"),
            "failback-commit", Map.of("failoverRun", "run-2"));

    private static final Pipeline PIPELINE = new Pipeline();
    private static final Map<String, Plan> PLANS = new HashMap<>();

    enum Format {
        text("txt"), json("json"), mermaid("mmd");

        final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        String render(Plan plan) {
            return switch (this) {
                case text -> TextPreview.render(plan, true); // scripts in full, as `runbook plan` prints them
                case json -> JsonPreview.render(plan);
                case mermaid -> MermaidPreview.render(plan);
            };
        }
    }

    static Stream<Arguments> plans() {
        return RUNBOOKS.stream().flatMap(r -> VMS.stream().map(vm -> Arguments.of(r, vm)));
    }

    static Stream<Arguments> previews() {
        return plans().flatMap(a -> Stream.of(Format.values()).map(f -> Arguments.of(a.get()[0], a.get()[1], f)));
    }

    @AfterAll
    static void closeSandbox() {
        PIPELINE.close();
    }

    @ParameterizedTest(name = "{0} for {1} as {2}")
    @MethodSource("previews")
    void previewMatchesGolden(String runbook, String vm, Format format) throws IOException {
        String actual = format.render(plan(runbook, vm));
        Path golden = GOLDEN.resolve(runbook + "." + vm + ".plan." + format.extension);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(golden, actual);
            return;
        }
        if (!Files.exists(golden)) {
            fail(golden + " is missing; create it with mvn test -Dtest=PreviewGoldenTest -Dgolden.update=true");
        }
        String expected = Files.readString(golden);
        if (!expected.equals(actual)) {
            fail(golden + " differs from the " + format + " preview; " + firstDifference(expected, actual)
                    + "\nif the change is intended, regenerate with -Dgolden.update=true and review the diff");
        }
    }

    @ParameterizedTest(name = "{0} for {1}")
    @MethodSource("plans")
    void jsonReadsBackToTheSamePlan(String runbook, String vm) throws JsonProcessingException {
        Plan plan = plan(runbook, vm);
        String json = JsonPreview.render(plan);
        Plan read = JsonPreview.read(json);
        assertEquals(plan.hash(), Planner.hash(read), "the hash is recomputable from the JSON");
        assertEquals(json, JsonPreview.render(read), "the JSON survives a round trip unchanged");
    }

    @ParameterizedTest(name = "{0} for {1}")
    @MethodSource("plans")
    void mermaidDrawsOneNodePerTopLevelStep(String runbook, String vm) {
        Plan plan = plan(runbook, vm);
        String mermaid = MermaidPreview.render(plan);
        assertTrue(mermaid.startsWith("flowchart TD\n"), mermaid);
        List<String> expected = plan.steps().stream().map(s -> "s_" + s.id().replace('-', '_')).toList();
        assertEquals(expected, topLevelStepNodes(mermaid), mermaid);
    }

    /** Step nodes at the outer level, in order: not the nested branches of a parallel, nor undo nodes. */
    private static List<String> topLevelStepNodes(String mermaid) {
        Pattern node = Pattern.compile("^  (?:subgraph )?(s_\\w+)\\s*(\\[/|[\\[{(])");
        List<String> out = new ArrayList<>();
        for (String line : mermaid.split("\n")) {
            Matcher m = node.matcher(line);
            if (m.find() && !m.group(2).equals("[/")) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static Plan plan(String runbook, String vm) {
        return PLANS.computeIfAbsent(runbook + "/" + vm, k -> {
            Path file = Path.of("runbooks", runbook + ".yaml");
            var request = new Planner.Request(vm, INPUTS.getOrDefault(runbook, Map.of()));
            Loaded<Plan> loaded = PIPELINE.plan(file, INVENTORY, request, TEMPLATES);
            assertTrue(loaded.value().isPresent(), () -> runbook + " does not plan for " + vm + ": " + loaded.diagnostics());
            return loaded.value().get();
        });
    }

    private static String firstDifference(String expected, String actual) {
        String[] e = expected.split("\n", -1);
        String[] a = actual.split("\n", -1);
        for (int i = 0; i < Math.max(e.length, a.length); i++) {
            String want = i < e.length ? e[i] : "<end of file>";
            String got = i < a.length ? a[i] : "<end of file>";
            if (!want.equals(got)) {
                return "first difference at line " + (i + 1) + ":\n  expected: " + want + "\n  actual:   " + got;
            }
        }
        return "they differ only in line endings";
    }
}
