package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runbooks kept in a repository of their own, away from this program's source tree. */
class RunbookRepositoryTest {

    @TempDir
    Path dir;

    @Test
    void aRunbookWithNoTemplatesBesideItUsesTheShippedOnes() throws Exception {
        Path runbook = Files.createDirectories(dir.resolve("ops/runbooks")).resolve("test-failover.yaml");
        Files.copy(Path.of("runbooks/test-failover.yaml"), runbook);
        Cli validate = Cli.run("validate", runbook.toString());
        assertEquals(0, validate.code(), validate.err());
        Cli plan = Cli.run("plan", runbook.toString(), "-i", "inventories/sample.yaml", "--vm", "web01");
        assertEquals(0, plan.code(), plan.err());
        Cli shipped = Cli.run("plan", "runbooks/test-failover.yaml", "-i", "inventories/sample.yaml", "--vm", "web01");
        assertEquals(scripts(shipped.out()), scripts(plan.out()), "the same guest scripts as the shipped templates give");
    }

    @Test
    void templatesBesideTheRunbookOverrideTheShippedOnes() throws Exception {
        Path repo = dir.resolve("ops");
        Path runbook = Files.createDirectories(repo.resolve("runbooks")).resolve("test-failover.yaml");
        Files.copy(Path.of("runbooks/test-failover.yaml"), runbook);
        Files.createDirectories(repo.resolve("templates"));
        Cli validate = Cli.run("validate", runbook.toString());
        assertEquals(2, validate.code(), "an empty templates/ beside the runbook is the runbook's choice: " + validate.err());
        assertTrue(validate.err().contains(runbook + ":"), validate.err());
        assertTrue(validate.err().contains("[template]"), validate.err());
    }

    @Test
    void aMissingTemplatesFolderIsALocatedErrorNeverAnInternalOne() throws Exception {
        Cli validate = Cli.run("validate", "--templates", dir.resolve("nosuch").toString(), "runbooks/test-failover.yaml");
        assertEquals(2, validate.code(), validate.err());
        assertTrue(validate.err().contains("runbooks/test-failover.yaml:"), validate.err());
        assertTrue(validate.err().contains("nosuch"), validate.err());
        assertFalse(validate.err().contains("internal error"), validate.err());
    }

    private static String scripts(String plan) {
        return plan.lines().filter(l -> l.contains("sha256:") && l.contains("stage")).reduce("", (a, b) -> a + b + "\n");
    }
}
