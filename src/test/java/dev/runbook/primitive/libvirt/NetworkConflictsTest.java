package dev.runbook.primitive.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network identity probe on a demo site: the VM's own controller never counts against it, another
 * domain with its MAC on the destination network does from the moment it is defined (the interfaces a process
 * keeps for a site are read again after any change), one on another network does not, and an address a
 * destination network holds counts unless it is reserved for the NIC's own MAC.
 */
class NetworkConflictsTest {

    @TempDir
    Path tmp;

    private final Primitive probe = new LibvirtAdapter().primitives().find("libvirt.network.conflicts").orElseThrow();

    private List<String> conflicts(DemoFixture site, String network, String address) throws Exception {
        ObjectNode params = StateFile.JSON.createObjectNode().put("site", "recovery").put("domain", "ctrl-app02");
        params.putArray("nics").addObject().put("mac", "52:54:00:10:00:02").put("network", network)
                .put("address", address);
        JsonNode out = probe.apply(new Call("run1", "network-identity-free", Call.Phase.PROBE, params,
                IntentTest.bindings(site)));
        assertEquals(out.get("conflicts").size(), out.get("count").asInt());
        return out.get("conflicts").valueStream().map(JsonNode::asText).toList();
    }

    @Test
    void anotherDomainWithTheMacCountsFromTheMomentItIsDefined() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        assertEquals(List.of(), conflicts(site, "dr-test-isolated", ""), "ctrl-app02 carries the MAC: it is the VM's own");

        LibvirtSiteBuilder builder = LibvirtSiteBuilder.of(site.recoverySite);
        String clone = builder.definition("ctrl-app02").replace("<name>ctrl-app02</name>", "<name>app02-clone</name>")
                .replaceAll("<uuid>[^<]*</uuid>", "");
        builder.createDomain("app02-clone", clone, true);
        assertEquals(List.of("MAC 52:54:00:10:00:02 is used on network dr-replication by domain app02-clone "
                + "(running)"), conflicts(site, "dr-replication", ""));
        assertEquals(List.of(), conflicts(site, "dr-test-isolated", ""), "another network is another segment");

        builder.removeDomain("app02-clone");
        assertEquals(List.of(), conflicts(site, "dr-test-isolated", ""));
    }

    @Test
    void anAddressTheNetworkHoldsCountsUnlessReservedForTheNicItself() throws Exception {
        DemoFixture site = new DemoFixture(tmp);
        LibvirtSiteBuilder builder = LibvirtSiteBuilder.of(site.recoverySite);
        builder.removeNetwork("dr-test-isolated");
        builder.createNetwork("dr-test-isolated", "<network><name>dr-test-isolated</name><bridge name='rbtest9'/>"
                + "<ip address='10.10.0.1' netmask='255.255.255.0'><dhcp>"
                + "<host mac='52:54:00:99:00:01' ip='10.10.0.31'/><host mac='52:54:00:10:00:02' ip='10.10.0.32'/>"
                + "</dhcp></ip></network>");
        assertEquals(List.of("10.10.0.1 on network dr-test-isolated is the network's own address"),
                conflicts(site, "dr-test-isolated", "10.10.0.1"));
        assertEquals(List.of("10.10.0.31 on network dr-test-isolated is reserved for MAC 52:54:00:99:00:01"),
                conflicts(site, "dr-test-isolated", "10.10.0.31"));
        assertEquals(List.of(), conflicts(site, "dr-test-isolated", "10.10.0.32"), "its own reservation");
        assertEquals(List.of(), conflicts(site, "dr-test-isolated", "10.10.0.40"));
        assertEquals(List.of(), conflicts(site, "no-such-network", "10.10.0.1"));
    }

    /**
     * A domain that stops between the listing of the site's running domains and its reading (another VM of a
     * plan failing over at the same time) is no error: it is read as it is then, or not at all once gone.
     */
    @Test
    void aDomainStoppedWhileTheProbeReadsIsNoError() throws Exception {
        org.libvirt.Connect racing = new org.libvirt.Connect("test:///default") {
            @Override
            public org.libvirt.Domain domainLookupByID(int id) throws org.libvirt.LibvirtException {
                super.domainLookupByID(id).destroy(); // the race, made certain
                return super.domainLookupByID(id);
            }
        };
        try {
            java.util.Map<String, List<Session.Nic>> nics = Session.readNics(racing);
            assertEquals(List.of("test"), List.copyOf(nics.keySet()), nics.toString());
        } finally {
            racing.close();
        }
    }
}
