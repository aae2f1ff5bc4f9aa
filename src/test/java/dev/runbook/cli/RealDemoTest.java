package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.app.ExitCodes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbook demo --real} before it touches the machine; the recovery itself is the real-QEMU tier's
 * {@code RealRecoveryTest}, on the same {@code RealSite}.
 */
class RealDemoTest {

    @Test
    void withoutThePlannedFailoverRunbookNothingIsMade(@TempDir Path empty) {
        Cli demo = Cli.run("demo", "--real", "--runbooks", empty.toString(), "--dir", empty.resolve("site").toString());
        assertEquals(ExitCodes.INVALID, demo.code(), demo.out() + demo.err());
        assertTrue(demo.err().contains(empty.resolve("planned-failover.yaml") + " not found"), demo.err());
        assertTrue(!empty.resolve("site").toFile().exists(), "a site was made");
    }

    @Test
    void theHelpSaysWhatItDoes() {
        Cli help = Cli.run("demo", "--help");
        assertTrue(help.out().contains("--real") && help.out().contains("real Debian guest"), help.out());
    }
}
