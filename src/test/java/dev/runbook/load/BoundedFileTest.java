package dev.runbook.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.cli.Cli;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every input file is read through one bounded reader: devices, FIFOs, folders and huge files are refused
 * before anything is buffered, with a located error and exit 2, never an out-of-memory or a hang.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BoundedFileTest {

    @TempDir
    Path dir;

    private static BoundedFile.Refused refused(Path file) {
        return assertThrows(BoundedFile.Refused.class, () -> BoundedFile.read(file));
    }

    @Test
    void aDeviceIsNotAFile() throws Exception {
        assertEquals("not-a-file", refused(Path.of("/dev/zero")).rule());
        assertEquals("not-a-file", refused(Path.of("/dev/urandom")).rule());
        Path link = Files.createSymbolicLink(dir.resolve("runbook.yaml"), Path.of("/dev/zero"));
        assertEquals("not-a-file", refused(link).rule(), "a link to a device is a device");
    }

    @Test
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = dir.resolve("fifo.yaml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertEquals("not-a-file", refused(fifo).rule());
    }

    @Test
    void aFolderIsNotAFile() {
        assertEquals("not-a-file", refused(dir).rule());
    }

    @Test
    void aHugeSparseFileIsRefusedByItsSizeBeforeReading() throws Exception {
        Path huge = dir.resolve("huge.yaml");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        BoundedFile.Refused r = refused(huge);
        assertEquals("too-large", r.rule());
        assertTrue(r.getMessage().contains("4 MiB"), r.getMessage());
    }

    @Test
    void aFileJustAtTheLimitIsReadAndOneByteMoreIsNot() throws Exception {
        Path at = dir.resolve("at.yaml");
        Files.writeString(at, "#".repeat(100));
        assertEquals(100, BoundedFile.read(at, 100).length());
        assertEquals("too-large", assertThrows(BoundedFile.Refused.class, () -> BoundedFile.read(at, 99)).rule());
    }

    @Test
    void refusalsNeverQuoteTheFile() throws Exception {
        Path secret = dir.resolve("secret.yaml");
        Files.write(secret, new byte[] {'s', 'e', 'c', 'r', 'e', 't', (byte) 0xff});
        BoundedFile.Refused r = refused(secret);
        assertEquals("encoding", r.rule());
        assertFalse(r.getMessage().contains("secret"), r.getMessage());
        assertEquals("unreadable", refused(dir.resolve("missing.yaml")).rule());
    }

    @Test
    void validateRefusesDevicesFifosAndHugeFilesWithLocatedErrors() throws Exception {
        Path fifo = dir.resolve("fifo.yaml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path huge = dir.resolve("huge.yaml");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        Cli cli = Cli.run("validate", "/dev/zero", fifo.toString(), huge.toString());
        assertEquals(2, cli.code(), cli.err());
        assertTrue(cli.err().contains("/dev/zero:1:1: error [not-a-file]"), cli.err());
        assertTrue(cli.err().contains(fifo + ":1:1: error [not-a-file]"), cli.err());
        assertTrue(cli.err().contains(huge + ":1:1: error [too-large]"), cli.err());
        assertFalse(cli.err().contains("Exception"), cli.err());
    }

    @Test
    void aFileThatIsNotARunbookIsNotQuotedBack() throws Exception {
        Path token = dir.resolve("server.token");
        Files.writeString(token, "deadbeefcafe0123456789abcdef0123456789abcdef0123456789abcdef0123\n");
        Cli cli = Cli.run("validate", token.toString());
        assertEquals(2, cli.code(), cli.err());
        assertTrue(cli.err().contains("this is not a runbook or inventory"), cli.err());
        assertFalse(cli.err().contains("deadbeef"), cli.err());
    }
}
