package dev.runbook.load;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.check.Checker;
import dev.runbook.check.InventoryChecker;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Diagnostic;
import dev.runbook.primitive.Catalog;
import dev.runbook.template.Templates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Thousands of mutated runbooks and inventories go through the loader and the checks: every one ends
 * in a value or in located errors, never in an exception.
 */
@Tag("property")
class LoaderPropertyTest {

    private static final String[] FILES = {"runbooks/test-failover.yaml", "runbooks/planned-failover.yaml",
            "runbooks/commit.yaml", "inventories/sample.yaml"};
    private static final String NOISE = ":-{}[]&*!|>\"'#$%\n\t ,?~0123456789abcxyz\\";
    private static final Expressions EXPRESSIONS = new Expressions();
    private static final Templates TEMPLATES = new Templates(Path.of("templates"));

    @AfterContainer
    static void close() {
        EXPRESSIONS.close();
    }

    /** One edit of a text: where, what kind, and what to put there. */
    record Edit(double where, int kind, String text) {
        String apply(String s) {
            int at = (int) (where * s.length());
            return switch (kind) {
                case 0 -> s.substring(0, at) + text + s.substring(at);
                case 1 -> s.substring(0, at) + s.substring(Math.min(s.length(), at + text.length()));
                case 2 -> { // duplicate the line at this place (duplicate keys, duplicate ids)
                    int start = s.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
                    int end = s.indexOf('\n', at);
                    end = end < 0 ? s.length() : end + 1;
                    yield s.substring(0, end) + s.substring(start, end) + s.substring(end);
                }
                default -> s.substring(0, at) + text.repeat(8) + s.substring(at); // nesting, aliases
            };
        }
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<Edit> edit = Combinators.combine(
                Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(0, 3),
                Arbitraries.strings().withChars(NOISE.toCharArray()).ofMinLength(1).ofMaxLength(6))
                .as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 3000)
    void mutatedFilesEndInValuesOrLocatedErrors(@ForAll("edits") List<Edit> edits,
                                                @ForAll("file") String file) throws IOException {
        String text = Files.readString(Path.of(file));
        for (Edit e : edits) {
            text = e.apply(text);
        }
        List<Diagnostic> diagnostics = new ArrayList<>();
        if (file.startsWith("inventories")) {
            var loaded = Loader.inventory(file, text);
            diagnostics.addAll(loaded.diagnostics());
            loaded.value().ifPresent(inv -> diagnostics.addAll(InventoryChecker.check(inv)));
            assertTrue(loaded.value().isPresent() || loaded.hasErrors(), "no value and no error");
        } else {
            var loaded = Loader.runbook(file, text);
            diagnostics.addAll(loaded.diagnostics());
            loaded.value().ifPresent(rb -> diagnostics.addAll(new Checker(Catalog.standard(), EXPRESSIONS).check(rb, TEMPLATES)));
            assertTrue(loaded.value().isPresent() || loaded.hasErrors(), "no value and no error");
        }
        int lines = (int) text.lines().count() + 1;
        for (Diagnostic d : diagnostics) {
            assertTrue(d.span().file().equals(file), d.toString());
            assertTrue(d.span().line() >= 1 && d.span().line() <= lines, d.toString());
            assertTrue(d.span().column() >= 1, d.toString());
            assertFalse(d.rule().isBlank(), d.toString());
            assertFalse(d.message().isBlank(), d.toString());
        }
    }

    @Provide
    Arbitrary<String> file() {
        return Arbitraries.of(FILES);
    }
}
