package dev.runbook.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.model.Diagnostic;
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
import org.junit.jupiter.api.Test;

/**
 * Recovery plans bound to the sample inventory: each fixture marks the errors it must produce on the offending
 * line ({@code # expect-error: rule}), and produces no other; the shipped plans plan cleanly and reproducibly.
 */
class RecoveryPlanFixturesTest {

    private static final Path INVENTORY = Path.of("inventories/sample.yaml");
    private static final Pattern EXPECT = Pattern.compile("#\\s*expect-error:\\s*([a-z-]+)");

    static Stream<Path> fixtures() throws IOException {
        return Files.list(Path.of("src/test/resources/fixtures/recovery-plans")).sorted();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void eachFixtureGivesExactlyTheErrorsItMarks(Path fixture) throws IOException {
        Set<String> expected = new TreeSet<>();
        List<String> lines = Files.readAllLines(fixture);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = EXPECT.matcher(lines.get(i));
            if (m.find()) {
                expected.add((i + 1) + " " + m.group(1));
            }
        }
        try (Pipeline pipeline = new Pipeline()) {
            var planned = pipeline.recoveryPlan(fixture, INVENTORY, Path.of("runbooks"), null);
            Set<String> actual = new TreeSet<>();
            for (Diagnostic d : planned.diagnostics()) {
                assertTrue(d.span().file().equals(fixture.toString()), "a problem outside the fixture: " + d);
                actual.add(d.span().line() + " " + d.rule());
            }
            assertEquals(expected, actual, planned.diagnostics().toString());
            assertTrue(planned.value().isEmpty());
        }
    }

    @Test
    void theShippedPlansPlanEveryVmTheSameWayTwice() {
        for (String name : List.of("shop-test", "shop-planned")) {
            try (Pipeline a = new Pipeline(); Pipeline b = new Pipeline()) {
                Path file = Path.of("recovery-plans/" + name + ".yaml");
                SitePlan first = a.recoveryPlan(file, INVENTORY, Path.of("runbooks"), null).value().orElseThrow();
                SitePlan again = b.recoveryPlan(file, INVENTORY, Path.of("runbooks"), null).value().orElseThrow();
                assertEquals(first.hash(), again.hash());
                assertEquals(List.of("database", "application", "web"), first.tiers().stream().map(SitePlan.Tier::name).toList());
                assertEquals(List.of("db01", "app02", "web01"), first.vms().stream().map(SitePlan.Vm::vm).toList());
                assertEquals(List.of(new SitePlan.Edge("db01", "ready")), first.vm("app02").orElseThrow().after());
                assertTrue(first.vm("db01").orElseThrow().critical());
                assertTrue(SitePreview.text(first).contains("Tier 2 application (RTO 10m; starts once tier database has settled)"));
            }
        }
    }
}
