package dev.runbook.primitive.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.StateFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site is the authority on who may change a VM: a mutation by a run that does not own the VM at the
 * site, or on a site whose record is gone (its state file deleted or replaced), changes nothing.
 */
class FencingTest {

    @TempDir
    Path tmp;

    static Ownership ownership(DemoFixture site) throws PrimitiveException {
        var b = IntentTest.bindings(site);
        return new LibvirtAdapter().ownership(b.get("recoverySite"), b.get("protectedSite"));
    }

    static Ownership.Owner owner(String run, String... continued) {
        List<String> lineage = new java.util.ArrayList<>(List.of(run));
        lineage.addAll(List.of(continued));
        return new Ownership.Owner(run, lineage, "journal-a", "/var/lib/a/journal.db", "ops@a", Instant.now());
    }

    static void claim(DemoFixture site, String run) throws PrimitiveException {
        assertEquals(Optional.empty(), ownership(site).claim("app02", owner(run), held -> false));
    }

    private Call stopController(DemoFixture site, String run) {
        return new Call(run, "stop-controller", Call.Phase.APPLY, IntentTest.json().put("site", "recovery")
                .put("domain", "ctrl-app02").put("timeout", "5s"), IntentTest.bindings(site));
    }

    private static Primitive shutdown() {
        return new LibvirtAdapter().primitives().find("libvirt.domain.shutdown").orElseThrow();
    }

    @Test
    void aRunThatDoesNotOwnTheVmChangesNothing() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        claim(site, "run-a");
        PrimitiveException e = assertThrows(PrimitiveException.class, () -> shutdown().apply(stopController(site, "run-b")));
        assertTrue(e.getMessage().contains("owned at site 'recovery' by run run-a (journal /var/lib/a/journal.db")
                && e.getMessage().contains("not by run run-b"), e.getMessage());
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        assertTrue(StateFile.at(site.recoverySite.state()).read().path("intents").isEmpty());
    }

    @Test
    void aSecondClaimIsRefusedNamingTheHolderUnlessItContinuesTheHolderOrTheRecordIsLeftOver() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Ownership port = ownership(site);
        claim(site, "run-a");
        assertEquals("run-a", port.claim("app02", owner("run-b"), held -> false).orElseThrow().run());
        assertEquals(Optional.empty(), port.claim("app02", owner("rollback-a", "run-a"), held -> false));
        assertEquals("rollback-a", port.holder("app02").orElseThrow().run());
        // the rollback's calls in its failover's name act for the owner
        shutdown().apply(stopController(site, "run-a"));
        assertEquals("shutoff", site.state(site.recoverySite, "ctrl-app02"));
        port.handBack("app02", "rollback-a", owner("run-a"));
        assertEquals("run-a", port.holder("app02").orElseThrow().run());
        assertEquals(Optional.empty(), port.claim("app02", owner("run-c"), held -> held.run().equals("run-a")));
        port.release("app02", "run-a"); // not the holder any more: nothing happens
        assertEquals("run-c", port.holder("app02").orElseThrow().run());
        port.release("app02", "run-c");
        assertEquals(Optional.empty(), port.holder("app02"));
        assertTrue(StateFile.at(site.protectedSite.state()).read().path("owners").isMissingNode());
    }

    @Test
    void aDeletedOrReplacedStateFileStopsTheNextMutation() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Path state = site.recoverySite.state();
        Path vmState = StateFile.at(state).vm("app02").kept(); // where the VM's ownership record is kept
        byte[] before = Files.readAllBytes(vmState);
        claim(site, "run-a");
        Files.write(vmState, before); // replaced by a copy without the record
        PrimitiveException replaced = assertThrows(PrimitiveException.class,
                () -> shutdown().apply(stopController(site, "run-a")));
        assertTrue(replaced.getMessage().contains("holds no ownership record of vm 'app02' for run run-a"),
                replaced.getMessage());
        Files.delete(state);
        assertThrows(PrimitiveException.class, () -> shutdown().apply(stopController(site, "run-a")));
        assertEquals("running", site.state(site.recoverySite, "ctrl-app02"));
        PrimitiveException noFile = assertThrows(PrimitiveException.class, () -> claim(site, "run-b"));
        assertTrue(noFile.getMessage().contains("does not exist"), noFile.getMessage());
    }

    @Test
    void anUnlockForgetsTheHolder() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        claim(site, "run-a");
        assertEquals("run-a", ownership(site).forget("app02").orElseThrow().run());
        assertEquals(Optional.empty(), ownership(site).holder("app02"));
        assertThrows(PrimitiveException.class, () -> shutdown().apply(stopController(site, "run-a")));
    }
}
