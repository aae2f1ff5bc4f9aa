package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every invalid fixture marks each offending line with {@code # expect-error: <rule>}; validation must
 * report exactly those (line, rule) pairs, exit 2, and never print a stack trace.
 */
class FixtureTest {

    static final Path DIR = Path.of("src/test/resources/fixtures/invalid");
    private static final Pattern EXPECT = Pattern.compile("#\\s*expect-error:\\s*([a-z-]+)");
    private static final Pattern REPORTED = Pattern.compile("^(.+?):(\\d+):(\\d+): error \\[([a-z-]+)\\]: (.+)$");

    static Stream<Path> fixtures() throws IOException {
        return Files.list(DIR).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void reportsExactlyTheMarkedErrors(Path fixture) throws IOException {
        Set<String> expected = new TreeSet<>();
        List<String> lines = Files.readAllLines(fixture);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = EXPECT.matcher(lines.get(i));
            if (m.find()) {
                expected.add((i + 1) + " " + m.group(1));
            }
        }
        assertFalse(expected.isEmpty(), "fixture states no expectation");

        Cli cli = Cli.run("validate", "--templates", "templates", fixture.toString());

        Set<String> reported = new TreeSet<>();
        int count = 0;
        for (String line : cli.err().split("\n")) {
            Matcher m = REPORTED.matcher(line);
            if (m.matches()) {
                count++;
                assertEquals(fixture.toString(), m.group(1), line);
                reported.add(m.group(2) + " " + m.group(4));
            }
        }
        assertEquals(expected, reported, cli.err());
        assertEquals(2, cli.code(), cli.err());
        assertFalse(cli.err().contains("Exception"), cli.err());
        assertFalse(cli.err().contains("\tat "), cli.err());
        assertTrue(cli.err().contains(count + (count == 1 ? " error" : " errors")), cli.err());
    }
}
