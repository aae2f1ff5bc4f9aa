package dev.runbook.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The rendered Linux first-boot script really runs: in a network namespace with two veth adapters, one
 * carrying the captured MAC address. Files go under a scratch root (RUNBOOK_ROOT); addresses, routes and
 * links are the namespace's own.
 */
@Tag("root")
class LinuxFirstbootNetnsTest {

    private static final String MATCHED = "52:54:00:10:00:01";
    private static final String OTHER = "52:54:00:99:00:02";

    private final String ns = "rbk-fb-" + ProcessHandle.current().pid();
    private final List<String> hostLinks = new ArrayList<>();

    @TempDir
    Path root;

    @BeforeEach
    void namespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED LOUDLY: the first-boot network test needs root to create a network namespace");
        assumeTrue(GuestTemplatesTest.onPath("ip"), "SKIPPED LOUDLY: iproute2 (ip) is not installed");
        sh("ip", "netns", "add", ns);
        adapter("rbkfa", MATCHED);
        adapter("rbkfb", OTHER);
        Files.createDirectories(root.resolve("etc"));
    }

    /** A veth pair: one end in the namespace with the MAC, the peer up on the host so the link has carrier. */
    private void adapter(String name, String mac) throws Exception {
        String peer = name + "p" + (ProcessHandle.current().pid() % 1000);
        sh("ip", "link", "add", name, "address", mac, "netns", ns, "type", "veth", "peer", "name", peer);
        hostLinks.add(peer);
        sh("ip", "link", "set", peer, "up");
    }

    @AfterEach
    void cleanup() throws Exception {
        for (String link : hostLinks) {
            GuestTemplatesTest.run(List.of("ip", "link", "del", link));
        }
        GuestTemplatesTest.run(List.of("ip", "netns", "del", ns));
    }

    @Test
    void restoresTheAddressRouteAndDnsOnTheMatchedAdapterOnly() throws Exception {
        JsonNode vm = GuestCases.all().get("linux-netplan");
        GuestTemplatesTest.Result r = runScript(vm);
        assertEquals(0, r.code(), r.out());

        String a = sh("ip", "-n", ns, "-4", "address", "show", "dev", "rbkfa");
        assertTrue(a.contains("inet 10.10.0.21/24"), a);
        String b = sh("ip", "-n", ns, "-4", "address", "show", "dev", "rbkfb");
        assertFalse(b.contains("inet "), "the other adapter was changed: " + b);
        String routes = sh("ip", "-n", ns, "-4", "route", "show", "default");
        assertTrue(routes.contains("default via 10.10.0.1 dev rbkfa"), routes);

        String resolv = Files.readString(root.resolve("etc/resolv.conf"));
        assertEquals("nameserver 10.10.0.2\nnameserver 10.10.0.3\nsearch example.internal\n", resolv);
        Path netplan = root.resolve("etc/netplan/90-runbook-525400100001.yaml");
        assertTrue(Files.readString(netplan).contains("macaddress: \"52:54:00:10:00:01\""));

        JsonNode status = status();
        assertEquals("succeeded", status.path("status").asText(), status.toString());
        assertEquals("lnx01", status.path("vm").asText());
        assertTrue(status.toString().contains("10.10.0.21/24 on rbkfa"), status.toString());
        // The second NIC used DHCP on the source: not touched, not reported as a failure.
        assertFalse(status.toString().contains("52:54:00:10:00:11"), status.toString());
    }

    @Test
    void anAbsentMacIsReportedFailedAndTheScriptStillExitsZero() throws Exception {
        JsonNode vm = HostileValuesTest.with(GuestCases.all().get("linux-netplan"), "/nics/0/mac", "52:54:00:77:77:77");
        GuestTemplatesTest.Result r = runScript(vm);
        assertEquals(0, r.code(), "first boot must not block: " + r.out());
        JsonNode status = status();
        assertEquals("failed", status.path("status").asText(), status.toString());
        assertTrue(status.toString().contains("no adapter has MAC 52:54:00:77:77:77"), status.toString());
        String a = sh("ip", "-n", ns, "-4", "address", "show");
        assertFalse(a.contains("10.10.0.21"), "an address was put on some adapter: " + a);
    }

    @Test
    void oneAdapterMissingOfTwoIsPartial() throws Exception {
        JsonNode vm = GuestCases.linux("ubuntu-22.04", null, "restore-static",
                GuestCases.nic("ens160", MATCHED, GuestCases.STATIC) + ","
                        + GuestCases.nic("ens192", "52:54:00:77:77:78", "{\"address\": \"10.20.0.5\", \"prefix\": 24}"));
        GuestTemplatesTest.Result r = runScript(vm);
        assertEquals(0, r.code(), r.out());
        JsonNode status = status();
        assertEquals("partial", status.path("status").asText(), status.toString());
        assertTrue(status.toString().contains("no adapter has MAC 52:54:00:77:77:78"), status.toString());
        assertTrue(sh("ip", "-n", ns, "-4", "address", "show", "dev", "rbkfa").contains("10.10.0.21/24"));
    }

    private GuestTemplatesTest.Result runScript(JsonNode vm) throws Exception {
        Path script = root.resolve("runbook-firstboot");
        Files.writeString(script, GuestCases.render("linux/firstboot.sh.ftl", vm));
        return GuestTemplatesTest.run(List.of("env", "RUNBOOK_ROOT=" + root, "ip", "netns", "exec", ns, "bash",
                script.toString()));
    }

    private JsonNode status() throws Exception {
        return GuestCases.JSON.readTree(root.resolve("var/lib/runbook/remediation-status.json").toFile());
    }

    private static String sh(String... command) throws Exception {
        GuestTemplatesTest.Result r = GuestTemplatesTest.run(List.of(command));
        assertEquals(0, r.code(), String.join(" ", command) + ": " + r.out());
        return r.out();
    }
}
