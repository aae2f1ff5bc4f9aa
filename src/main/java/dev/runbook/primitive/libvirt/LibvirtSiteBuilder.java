package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Domain;
import org.libvirt.DomainInterface;
import org.libvirt.LibvirtException;
import org.libvirt.Network;

/**
 * What making and inspecting a libvirt site takes, for whoever builds one (the demo site, a real site on
 * {@code qemu:///system}) rather than runs runbooks on it: a site on libvirt's test driver, networks and
 * domains, qcow2 disks, a VM's entry in the replication port, what libvirt holds of a domain, what a
 * running guest's agent reports, and files inside a guest's disk. Runs reach a site through the
 * primitives and the ports only.
 */
public final class LibvirtSiteBuilder {

    /** A guest's disk, opened through libguestfs with its root filesystem mounted. */
    public interface GuestDisk extends AutoCloseable {

        /** True when the guest path exists. */
        boolean exists(String path) throws PrimitiveException, InterruptedException;

        /** The text of a guest file; empty when there is none. */
        Optional<String> read(String path) throws PrimitiveException, InterruptedException;

        /** Writes a guest file with its mode ({@code 0644}), making its folders. */
        void write(String path, byte[] content, String mode) throws PrimitiveException, InterruptedException;

        /** Writes the changes back into the disk and lets it go. */
        @Override
        void close() throws PrimitiveException, InterruptedException;
    }

    private final SiteRef site;

    private LibvirtSiteBuilder(SiteRef site) {
        this.site = site;
    }

    /**
     * A site on libvirt's test driver whose domains and networks live in {@code nodeFile} (an absolute
     * {@code .xml} path) and whose replication state lives beside it; neither need exist yet.
     */
    public static LibvirtSiteBuilder onTestDriver(String name, Path nodeFile) throws PrimitiveException {
        return new LibvirtSiteBuilder(SiteRef.of(StateFile.JSON.createObjectNode().put("name", name)
                .put("uri", "test://" + nodeFile)));
    }

    /** The builder of a site already made. */
    public static LibvirtSiteBuilder of(SiteRef site) {
        return new LibvirtSiteBuilder(site);
    }

    public SiteRef site() {
        return site;
    }

    /** The site's replication port, outside runs. */
    public ReplicationPort replication() {
        return new LibvirtReplicationPort(site);
    }

    /** Registers a VM with the site's replication port: an active export and no sync yet. */
    public void protect(String vm) {
        new LibvirtReplicationPort(site).register(vm);
    }

    /** The content of the site's state file: replication, remediation, and the record of applied calls. */
    public JsonNode state() {
        return StateFile.at(site.state()).read();
    }

    /** The persistent definition (XML) of a domain. */
    public String definition(String domain) throws PrimitiveException, InterruptedException {
        return Session.read(site, s -> s.definition(domain));
    }

    /** The power state of a domain: running, shutoff, ..., or missing. */
    public String power(String domain) throws PrimitiveException, InterruptedException {
        return Session.read(site, s -> s.stateOf(domain));
    }

    /** True when two definitions describe the same domain, whatever run-time names they carry. */
    public static boolean sameDefinition(String a, String b) {
        return Session.sameDefinition(a, b);
    }

    /** Where two definitions first differ, as a short excerpt of each; empty when they do not. */
    public static String difference(String a, String b) {
        return Session.difference(a, b);
    }

    /** Defines a network from its XML and starts it. */
    public void createNetwork(String name, String xml) throws PrimitiveException, InterruptedException {
        Session.with(site, s -> {
            try {
                s.connection().networkDefineXML(xml).create();
                return null;
            } catch (LibvirtException e) {
                throw s.failure("define and start network", name, e);
            }
        });
    }

    /** Defines a domain from its XML, and starts it when {@code start}. */
    public void createDomain(String name, String xml, boolean start) throws PrimitiveException, InterruptedException {
        Session.with(site, s -> {
            s.define(name, xml);
            if (start) {
                s.start(name);
            }
            return null;
        });
    }

    /** Starts a domain. */
    public void start(String domain) throws PrimitiveException, InterruptedException {
        Session.with(site, s -> {
            s.start(domain);
            return null;
        });
    }

    /** Powers a domain off at once, as pulling its plug would. */
    public void powerOff(String domain) throws PrimitiveException, InterruptedException {
        Session.with(site, s -> {
            s.destroy(domain);
            return null;
        });
    }

    /** Powers off and undefines a domain, if there is one by that name. */
    public void removeDomain(String name) throws PrimitiveException, InterruptedException {
        Session.with(site, s -> {
            if (!"missing".equals(s.stateOf(name))) {
                try {
                    Domain d = s.connection().domainLookupByName(name);
                    if (d.isActive() == 1) {
                        d.destroy();
                    }
                    d.undefine();
                } catch (LibvirtException e) {
                    throw s.failure("remove domain", name, e);
                }
            }
            return null;
        });
    }

    /** Stops and undefines a network, if there is one by that name. */
    public void removeNetwork(String name) throws PrimitiveException, InterruptedException {
        Session.with(site, s -> {
            try {
                Network n = s.connection().networkLookupByName(name);
                if (n.isActive() == 1) {
                    n.destroy();
                }
                n.undefine();
            } catch (LibvirtException e) {
                if (e.getError() == null || e.getError().getCode() != org.libvirt.Error.ErrorNumber.VIR_ERR_NO_NETWORK) {
                    throw s.failure("remove network", name, e);
                }
            }
            return null;
        });
    }

    /** A guest's network adapter as the QEMU guest agent inside it reports it. */
    public record GuestAdapter(String name, String mac, List<String> addresses) {
    }

    /**
     * The adapters of a running guest and their addresses ({@code 10.0.0.5/24}), as its QEMU guest agent
     * reports them (libvirt's interface addresses from the agent); fails while the agent does not answer.
     */
    public List<GuestAdapter> guestAdapters(String domain) throws PrimitiveException, InterruptedException {
        return Session.read(site, s -> {
            try {
                List<GuestAdapter> adapters = new ArrayList<>();
                for (DomainInterface i : s.domain(domain).interfaceAddresses(AGENT, 0)) {
                    List<String> addresses = new ArrayList<>();
                    if (i.addrs != null) {
                        i.addrs.forEach(a -> addresses.add(a.address.getHostAddress() + "/" + a.prefixLength));
                    }
                    adapters.add(new GuestAdapter(i.name, i.hwAddr == null ? "" : i.hwAddr, addresses));
                }
                return adapters;
            } catch (LibvirtException e) {
                throw s.failure("ask the guest agent for the addresses of domain", domain, e);
            }
        });
    }

    /** {@code VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT}. */
    private static final int AGENT = 1;

    /**
     * Runs a program inside a running guest through its QEMU guest agent ({@code guest-exec}) and returns
     * what it printed on its standard output; fails when it does not end within a minute or exits non-zero.
     */
    public String guestCommand(String domain, String program, String... args) throws PrimitiveException, InterruptedException {
        var request = StateFile.JSON.createObjectNode().put("execute", "guest-exec");
        var arguments = request.putObject("arguments").put("path", program).put("capture-output", true);
        var argv = arguments.putArray("arg");
        for (String a : args) {
            argv.add(a);
        }
        long pid = agent(domain, request.toString()).path("pid").asLong();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < end) {
            JsonNode status = agent(domain, "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":" + pid + "}}");
            if (status.path("exited").asBoolean()) {
                String out = decode(status.path("out-data").asText(""));
                if (status.path("exitcode").asInt(-1) != 0) {
                    throw new PrimitiveException(program + " in domain '" + domain + "' exited "
                            + status.path("exitcode").asInt(-1) + ": " + decode(status.path("err-data").asText("")).strip());
                }
                return out;
            }
            Thread.sleep(500);
        }
        throw new PrimitiveException(program + " in domain '" + domain + "' did not end within a minute");
    }

    private JsonNode agent(String domain, String command) throws PrimitiveException, InterruptedException {
        String reply = Session.read(site, s -> {
            try {
                return s.domain(domain).qemuAgentCommand(command, 30, 0);
            } catch (LibvirtException e) {
                throw s.failure("reach the guest agent of domain", domain, e);
            }
        });
        try {
            return StateFile.JSON.readTree(reply).path("return");
        } catch (java.io.IOException e) {
            throw new PrimitiveException("the guest agent of domain '" + domain + "' answered no JSON: " + reply, e);
        }
    }

    private static String decode(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Creates an empty qcow2 disk of {@code bytes}. */
    public static void createDisk(Path disk, long bytes) throws PrimitiveException, InterruptedException {
        QemuImg.check("create", "-q", "-f", "qcow2", disk.toString(), Long.toString(bytes));
    }

    /** The virtual size of a disk image, in bytes. */
    public static long virtualSize(Path disk) throws PrimitiveException, InterruptedException {
        return QemuImg.info(disk).path("virtual-size").asLong();
    }

    /** Makes the qcow2 disk {@code disk} from the raw image {@code raw}. */
    public static void importRaw(Path raw, Path disk) throws PrimitiveException, InterruptedException {
        QemuImg.check("convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), disk.toString());
    }

    /** True when two disks hold the same content, by {@code qemu-img compare}. */
    public static boolean identical(Path a, Path b) throws PrimitiveException, InterruptedException {
        return QemuImg.identical(a, b);
    }

    /** What {@code qemu-img compare} says of two disks: "Images are identical." or where they first differ. */
    public static String compare(Path a, Path b) throws PrimitiveException, InterruptedException {
        return QemuImg.compare(a, b);
    }

    /** The names of the internal snapshots a disk holds. */
    public static Set<String> snapshots(Path disk) throws PrimitiveException, InterruptedException {
        return QemuImg.snapshots(disk);
    }

    /** Opens a guest's disk for writing. */
    public static GuestDisk openDisk(Path disk) throws PrimitiveException, InterruptedException {
        return GuestFs.open(disk, true);
    }
}
