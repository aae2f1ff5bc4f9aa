package dev.runbook.primitive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A site's state keeps each VM's part in a file of its own, and reads and writes whole as one object. */
class StateFileTest {

    @TempDir
    Path tmp;

    private static ObjectNode site(int vms) {
        ObjectNode state = StateFile.JSON.createObjectNode();
        state.putArray("inactiveNetworks").add("dr-test");
        for (int i = 0; i < vms; i++) {
            StateFile.section(state, "replication").putObject("vm" + i).put("export", "active");
        }
        return state;
    }

    @Test
    void aChangeToOneVmRewritesThatVmsFileAlone() throws Exception {
        StateFile file = StateFile.at(tmp.resolve("recovery.state.json"));
        file.write(site(3));
        Object site = StateFile.stampOf(file.kept());
        Object other = StateFile.stampOf(file.vm("vm2").kept());
        file.vm("vm1").change(part -> part.with("replication").with("vm1").put("export", "stopped"));
        assertEquals(site, StateFile.stampOf(file.kept()), "the site's file is not rewritten");
        assertEquals(other, StateFile.stampOf(file.vm("vm2").kept()), "another VM's file is not rewritten");
        ObjectNode whole = file.read();
        assertEquals("stopped", whole.at("/replication/vm1/export").asText());
        assertEquals("active", whole.at("/replication/vm2/export").asText());
        assertEquals("dr-test", whole.at("/inactiveNetworks/0").asText());
        assertEquals(1, file.vm("vm1").read().path("replication").size(), "a VM's part holds that VM only");
    }

    @Test
    void aWholeWriteMovesEntriesBetweenTheFilesAndRemovesEmptiedOnes() {
        StateFile file = StateFile.at(tmp.resolve("recovery.state.json"));
        file.write(site(2));
        ObjectNode whole = file.read();
        ((ObjectNode) whole.get("replication")).remove("vm1");
        file.write(whole);
        assertFalse(Files.exists(file.vm("vm1").kept()), "a VM with nothing left has no file");
        assertEquals(site(1), file.read());
        assertThrows(IllegalArgumentException.class, () -> file.vm("../escape"));
        assertThrows(IllegalArgumentException.class, () -> file.vm("vm0").write(site(2)),
                "a VM's part cannot hold another VM's entry");
    }

    @Test
    void aSiteKeptInOneFileMovesEachVmsPartOutOnItsFirstUseWithTheCallsOfItsOwner() throws Exception {
        Path path = tmp.resolve("recovery.state.json");
        ObjectNode old = site(2);
        StateFile.section(old, "owners").putObject("vm0").put("run", "r1").putArray("lineage").add("r1");
        StateFile.section(old, "applied").putObject("r1/stop/apply").put("count", 1);
        StateFile.section(old, "applied").putObject("gone/stop/apply").put("count", 1);
        Files.write(path, StateFile.JSON.writeValueAsBytes(old));
        StateFile file = StateFile.at(path);
        ObjectNode vm0 = file.vm("vm0").read();
        assertEquals(1, vm0.at("/applied/r1~1stop~1apply/count").asInt(), "the owner's calls go with its VM");
        assertEquals("active", vm0.at("/replication/vm0/export").asText());
        assertTrue(StateFile.JSON.readTree(Files.readAllBytes(path)).path("replication").isMissingNode());
        assertEquals(old, file.read(), "the whole reads as before, calls of no owner included");
    }

    @Test
    void aVmsPartDoesNotCountWithoutItsSitesFile() throws Exception {
        StateFile file = StateFile.at(tmp.resolve("recovery.state.json"));
        file.write(site(1));
        Files.delete(file.kept());
        UncheckedIOException gone = assertThrows(UncheckedIOException.class, () -> file.vm("vm0").read());
        assertTrue(gone.getMessage().contains("does not exist"), gone.getMessage());
    }
}
