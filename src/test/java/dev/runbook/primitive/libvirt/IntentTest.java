package dev.runbook.primitive.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mutation cut off between its intent and its applied record (a kill -9) is resolved by looking at
 * the site: applied when its change is there, with the result its undo needs; not applied otherwise.
 */
class IntentTest {

    @TempDir
    Path tmp;

    static ObjectNode json() {
        return StateFile.JSON.createObjectNode();
    }

    static Map<String, JsonNode> bindings(DemoFixture site) {
        ObjectNode vm = json().put("name", "app02").put("sourceDomain", "app02").put("controllerDomain", "ctrl-app02");
        return Map.of("recoverySite", json().put("name", "recovery").put("uri", site.recoverySite.uri()),
                "protectedSite", json().put("name", "protected").put("uri", site.protectedSite.uri()), "vm", vm);
    }

    /** Leaves an intent where a call cut off leaves it: in the part of the site's state that is its VM's. */
    private static void intent(DemoFixture site, Call call, ObjectNode intent) {
        StateFile.at(site.recoverySite.state()).vm("app02")
                .change(c -> StateFile.section(c, "intents").set(call.key(), intent));
    }

    @Test
    void aRedefinitionCutOffIsSettledByTheDefinitionOnTheSite() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Call call = new Call("run1", "switch-compute", Call.Phase.APPLY, json().put("site", "recovery")
                .put("domain", "ctrl-app02").put("vcpus", 4).put("memoryMiB", 8192), bindings(site));
        Primitive compute = new LibvirtAdapter().primitives().find("libvirt.domain.set-compute").orElseThrow();
        String original = site.definition(site.recoverySite, "ctrl-app02");
        String target = Definitions.edit(original, Definitions.compute(4, 8192));
        intent(site, call, json().put("originalXml", original).put("targetXml", target));

        assertInstanceOf(Observation.NotApplied.class, compute.observe(call), "killed before libvirt changed");

        Session.with(site.recoverySite, s -> {
            s.define("ctrl-app02", target);
            return null;
        });
        Observation after = compute.observe(call);
        Observation.Applied applied = assertInstanceOf(Observation.Applied.class, after, "killed after the change");
        assertEquals(original, applied.result().get("originalXml").asText(), "the undo must get the old definition");
    }

    @Test
    void aPowerChangeCutOffIsSettledByTheDomainState() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Call call = new Call("run1", "stop-controller", Call.Phase.APPLY, json().put("site", "recovery")
                .put("domain", "ctrl-app02").put("timeout", "5s"), bindings(site));
        Primitive shutdown = new LibvirtAdapter().primitives().find("libvirt.domain.shutdown").orElseThrow();
        intent(site, call, json().put("wasRunning", true).put("target", "shutoff"));
        assertInstanceOf(Observation.NotApplied.class, shutdown.observe(call));
        Session.with(site.recoverySite, s -> {
            s.destroy("ctrl-app02");
            return null;
        });
        Observation.Applied applied = assertInstanceOf(Observation.Applied.class, shutdown.observe(call));
        assertTrue(applied.result().get("wasRunning").asBoolean());
    }

    @Test
    void aSnapshotCutOffIsSettledByTheImage() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Path replica = site.replica("app02", "root");
        Call call = new Call("run1", "rollback-snapshots", Call.Phase.APPLY, json().put("name", "pre-failover-run1")
                .set("disks", StateFile.JSON.createArrayNode().add(replica.toString())), bindings(site));
        Primitive snapshot = new LibvirtAdapter().primitives().find("storage.snapshot").orElseThrow();
        intent(site, call, json());
        assertInstanceOf(Observation.NotApplied.class, snapshot.observe(call));
        QemuImg.snapshot(replica, "pre-failover-run1");
        assertInstanceOf(Observation.Applied.class, snapshot.observe(call));
    }

    @Test
    void anAppliedCallIsRecordedOnceWithItsResult() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        Call call = new Call("run1", "stop-controller", Call.Phase.APPLY, json().put("site", "recovery")
                .put("domain", "ctrl-app02").put("timeout", "5s"), bindings(site));
        Primitive shutdown = new LibvirtAdapter().primitives().find("libvirt.domain.shutdown").orElseThrow();
        assertInstanceOf(Observation.NotApplied.class, shutdown.observe(call));
        FencingTest.claim(site, "run1");
        shutdown.apply(call);
        assertEquals("shutoff", site.state(site.recoverySite, "ctrl-app02"));
        JsonNode record = StateFile.at(site.recoverySite.state()).read().path("applied").path(call.key());
        assertEquals(1, record.path("count").asInt());
        assertTrue(StateFile.at(site.recoverySite.state()).read().path("intents").path(call.key()).isMissingNode());
        assertInstanceOf(Observation.Applied.class, shutdown.observe(call));
    }
}
