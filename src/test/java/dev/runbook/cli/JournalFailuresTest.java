package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runbook.app.ExitCodes;
import dev.runbook.exec.LocalSiteFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal that cannot be used ends a command with its own message and exit code, never as an internal
 * error; where a run was under way, the message says how to continue it.
 */
class JournalFailuresTest {

    @TempDir
    Path dir;

    @Test
    void aCorruptJournalSaysSoWithItsOwnExitCode() throws Exception {
        Path journal = dir.resolve("journal.db");
        Files.writeString(journal, "this is not a journal, ".repeat(200));
        Cli cli = Cli.run("status", "--journal", journal.toString());
        assertEquals(ExitCodes.JOURNAL_CORRUPT, cli.code(), cli.err());
        assertTrue(cli.err().contains("restore the journal from a backup"), cli.err());
        assertFalse(cli.err().contains("internal error"), cli.err());
    }

    @Test
    void aNewJournalIsReadableByItsOwnerOnly() throws Exception {
        Path journal = dir.resolve("state/journal.db");
        assertEquals(0, Cli.run("status", "--journal", journal.toString()).code());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(journal)));
    }

    /** A small tmpfs of this test's own, mounted under {@code dir}. */
    private Path tmpfs(String size) throws Exception {
        Path mount = Files.createDirectories(dir.resolve("mnt"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor() == 0, "SKIPPED LOUDLY: cannot mount a tmpfs: " + new String(p.getInputStream().readAllBytes()));
        return mount;
    }

    private static void unmount(Path mount) throws Exception {
        new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
    }

    @Test
    @Tag("root")
    void aFullDiskStopsTheRunAndSaysHowToContinueIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "SKIPPED LOUDLY: mounting a tmpfs needs root");
        Path mount = tmpfs("1m");
        try {
            LocalSiteFixture site = new LocalSiteFixture(Files.createDirectories(dir.resolve("site")));
            Path journal = mount.resolve("journal.db");
            // The journal starts, then the disk fills up under it.
            Cli first = Cli.run("status", "--journal", journal.toString());
            assertEquals(0, first.code(), first.err());
            Path filler = mount.resolve("filler");
            new ProcessBuilder("dd", "if=/dev/zero", "of=" + filler, "bs=4k").start().waitFor();
            Cli run = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                    "--journal", journal.toString());
            assertEquals(ExitCodes.JOURNAL_FULL, run.code(), run.err());
            assertTrue(run.err().contains("free space"), run.err());
            assertFalse(run.err().contains("internal error"), run.err());
            Matcher resume = Pattern.compile("runbook resume (\\S+)`").matcher(run.err());
            if (resume.find()) { // admitted before the disk was full: the run is continued once there is space
                Files.delete(filler);
                Cli resumed = Cli.run("resume", resume.group(1), "--journal", journal.toString());
                assertEquals(0, resumed.code(), resumed.out() + resumed.err());
            }
        } finally {
            unmount(mount);
        }
    }

    @Test
    @Tag("root")
    void aReadOnlyJournalSaysSoWithItsOwnExitCode() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "SKIPPED LOUDLY: mounting a tmpfs needs root");
        Path mount = tmpfs("4m");
        try {
            LocalSiteFixture site = new LocalSiteFixture(Files.createDirectories(dir.resolve("site")));
            Path journal = mount.resolve("journal.db");
            assertEquals(0, Cli.run("status", "--journal", journal.toString()).code());
            assertEquals(0, new ProcessBuilder("mount", "-o", "remount,ro", mount.toString()).start().waitFor());
            Cli run = Cli.run("run", "runbooks/test-failover.yaml", "-i", site.inventory.toString(), "--vm", "app02",
                    "--journal", journal.toString());
            assertEquals(ExitCodes.JOURNAL_READ_ONLY, run.code(), run.err());
            assertTrue(run.err().contains("writable"), run.err());
        } finally {
            unmount(mount);
        }
    }
}
