package dev.runbook.primitive.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.runbook.primitive.StateFile;
import org.junit.jupiter.api.Test;

/** The failover's edits of a definition, on the XML as libvirt gives it. */
class DefinitionsTest {

    private static final String TWO_NICS = """
            <domain type='qemu'><name>ctrl</name><devices>
              <interface type='network'><mac address='52:54:00:7e:10:21'/><source network='repl'/><model type='virtio'/></interface>
              <interface type='network'><mac address='52:54:00:7e:10:22'/><source network='repl'/><model type='virtio'/></interface>
            </devices></domain>""";

    @Test
    void everyNicOfADomainWithSeveralIsMovedToItsNetwork() throws Exception {
        ArrayNode nics = StateFile.JSON.createArrayNode();
        nics.addObject().put("mac", "52:54:00:7E:10:21").put("network", "prod");
        nics.addObject().put("mac", "52:54:00:7e:10:22").put("network", "backup");
        String edited = Definitions.edit(TWO_NICS, Definitions.networks(nics, "ctrl"));
        String facets = Definitions.facets(edited);
        assertTrue(facets.contains("nic=52:54:00:7e:10:21>prod nic=52:54:00:7e:10:22>backup"), facets);
        assertEquals(2, edited.split("<source ").length - 1, edited);
    }
}
