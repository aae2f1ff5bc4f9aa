package dev.runbook.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.expr.Expressions;
import dev.runbook.load.Loaded;
import dev.runbook.load.Loader;
import dev.runbook.model.Diagnostic;
import dev.runbook.primitive.Catalog;
import dev.runbook.template.Templates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One fixture per check rule, named after the rule: each offending line carries
 * {@code # expect-error: <rule>} (or {@code expect-warning}), one marker per finding, and the rest of
 * the file is valid, so a rule that reports too much fails as surely as one that reports too little.
 * The fixtures pass the schema, so the checkers are reached directly, without the command line.
 */
class RuleFixturesTest {

    static final Path DIR = Path.of("src/test/resources/fixtures/rules");
    private static final Pattern EXPECT = Pattern.compile("#\\s*expect-(error|warning):\\s*([a-z-]+)");

    private static Expressions expressions;

    @BeforeAll
    static void openSandbox() {
        expressions = new Expressions();
    }

    @AfterAll
    static void closeSandbox() {
        expressions.close();
    }

    static Stream<Path> fixtures() throws IOException {
        try (var files = Files.list(DIR)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void reportsExactlyTheMarkedFindings(Path fixture) throws IOException {
        List<String> lines = Files.readAllLines(fixture);
        List<String> expected = expected(lines);
        assertFalse(expected.isEmpty(), "fixture states no expectation");

        List<Diagnostic> found = check(fixture);

        List<String> reported = new ArrayList<>();
        for (Diagnostic d : found) {
            assertEquals(fixture.toString(), d.span().file(), d.toString());
            assertPointsIntoItsLine(lines, d);
            reported.add(key(d.span().line(), d.severity().toString(), d.rule()));
        }
        assertEquals(expected, reported.stream().sorted().toList(), String.join("\n", found.stream()
                .map(Diagnostic::toString).toList()));
    }

    @Test
    void everyRuleHasAFixtureThatExpectsIt() throws IOException {
        List<String> ids = new ArrayList<>();
        Checker.RULES.forEach(r -> ids.add(r.id()));
        InventoryChecker.RULES.forEach(r -> ids.add(r.id()));
        for (String id : ids) {
            Path fixture = DIR.resolve(id + ".yaml");
            assertTrue(Files.isRegularFile(fixture), "rule '" + id + "' has no fixture " + fixture);
            assertTrue(expected(Files.readAllLines(fixture)).stream().anyMatch(e -> e.endsWith(" " + id)),
                    fixture + " does not expect a finding of rule '" + id + "'");
        }
    }

    /**
     * Loads the fixture by the kind it declares and runs its checker. Loading must be clean: a schema
     * error would stop before the checker and leave the rule untested.
     */
    static List<Diagnostic> check(Path fixture) {
        if (Loader.kindOf(fixture).orElseThrow() == Loader.Kind.INVENTORY) {
            var loaded = Loader.inventory(fixture);
            assertLoaded(loaded);
            return InventoryChecker.check(loaded.value().orElseThrow());
        }
        var loaded = Loader.runbook(fixture);
        assertLoaded(loaded);
        // As the command line does by default: templates/ beside the fixture's folder (fixtures/templates).
        Templates templates = new Templates(Templates.beside(fixture));
        return new Checker(Catalog.standard(), expressions).check(loaded.value().orElseThrow(), templates);
    }

    private static void assertLoaded(Loaded<?> loaded) {
        assertTrue(loaded.diagnostics().isEmpty(), () -> "the fixture must pass loading: " + loaded.diagnostics());
    }

    /** The marked findings as sorted "line severity rule" keys, one per marker. */
    static List<String> expected(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = EXPECT.matcher(lines.get(i));
            while (m.find()) {
                out.add(key(i + 1, m.group(1), m.group(2)));
            }
        }
        return out.stream().sorted().toList();
    }

    private static String key(int line, String severity, String rule) {
        return String.format("%03d %s %s", line, severity, rule);
    }

    /** The column names a character of the YAML on that line, not blank space or the marker comment. */
    private static void assertPointsIntoItsLine(List<String> lines, Diagnostic d) {
        int line = d.span().line();
        assertTrue(line >= 1 && line <= lines.size(), d.toString());
        String text = lines.get(line - 1);
        int comment = text.indexOf("  #");
        int end = comment < 0 ? text.length() : comment;
        int column = d.span().column();
        assertTrue(column >= 1 && column <= end, "column outside the YAML of its line: " + d);
        assertFalse(Character.isWhitespace(text.charAt(column - 1)), "column on blank space: " + d);
    }
}
