package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.ErrorCallback;
import org.libvirt.LibvirtException;
import org.libvirt.Network;

/**
 * One use of a libvirt site: its connection and its state file (replication state and the record of
 * applied calls).
 *
 * <p>A test-driver site lives in this process only, so every use opens its node file afresh under the
 * state file's lock, and a use that changed something writes the domains and networks back to the node
 * file before the lock is released. Two processes therefore see one site, and a site survives the
 * process, as a real hypervisor would. Other sites keep one connection per URI for the process.
 */
public final class Session implements AutoCloseable {

    /** {@code VIR_DOMAIN_XML_INACTIVE}: the persistent definition, not the running one. */
    public static final int INACTIVE_XML = 2;

    private static final Map<String, Connect> SHARED = new ConcurrentHashMap<>();

    static {
        try {
            // libvirt prints every error on stderr by default; ours reach the user through exceptions.
            Connect.setErrorCallback(new ErrorCallback());
        } catch (LibvirtException | RuntimeException | LinkageError e) {
            // Without libvirt0 the first connection reports the missing library.
        }
    }

    private final SiteRef site;
    private final StateFile state;
    private final Connect connect;
    /** For a test-driver site, the site as this process keeps it open; null for other sites. */
    private final OpenSite open;
    /** The domains this use changed, written back to a test-driver node file when it ends. */
    private final Set<String> touched = new HashSet<>();
    private boolean changed;
    private boolean changedAll;
    private boolean networksChanged;
    private boolean done;

    private Session(SiteRef site, Connect connect, OpenSite open) {
        this.site = site;
        this.state = StateFile.at(site.state());
        this.connect = connect;
        this.open = open;
    }

    /** Work done with a session. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Session session) throws PrimitiveException, InterruptedException;
    }

    /** Runs {@code work} on the site; for a test-driver site, under its lock, writing back what changed. */
    public static <T> T with(SiteRef site, Work<T> work) throws PrimitiveException, InterruptedException {
        try (StateFile.Hold ignored = StateFile.at(site.state()).lock(); Session session = open(site)) {
            T out = work.run(session);
            session.flush();
            session.done = true;
            return out;
        }
    }

    /**
     * Runs read-only {@code work}: no lock. A test-driver node file is only ever replaced whole, and a site
     * this process keeps open is read as it is now.
     */
    public static <T> T read(SiteRef site, Work<T> work) throws PrimitiveException, InterruptedException {
        try (Session session = open(site)) {
            T out = work.run(session);
            session.done = true;
            return out;
        }
    }

    private static Session open(SiteRef site) throws PrimitiveException {
        try {
            if (site.embedded()) {
                Path node = site.nodeFile().get();
                if (!Files.exists(node)) {
                    throw new PrimitiveException("site '" + site.name() + "': node file " + node
                            + " does not exist; create the site with `runbook demo init DIR`");
                }
                OpenSite open = OpenSite.acquire(node, () -> new Connect(site.uri()),
                        connect -> applyInactiveNetworks(connect, StateFile.at(site.state())));
                return new Session(site, open.connect(), open);
            }
            Connect shared = SHARED.get(site.uri());
            if (shared == null || !shared.isAlive()) {
                shared = new Connect(site.uri());
                SHARED.put(site.uri(), shared);
            }
            return new Session(site, shared, null);
        } catch (LibvirtException e) {
            throw new PrimitiveException("site '" + site.name() + "': cannot connect to " + site.uri() + ": "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new PrimitiveException("site '" + site.name() + "': node file " + site.nodeFile().get()
                    + " cannot be read: " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new PrimitiveException("site '" + site.name() + "': libvirt is not installed ("
                    + e.getMessage() + "); install it: apt-get install libvirt0", e);
        }
    }

    public SiteRef site() {
        return site;
    }

    /**
     * The connection, for building a site rather than running on it ({@link LibvirtSiteBuilder}); what is
     * done through it may touch any domain or network, so all of them are written back.
     */
    Connect connection() {
        networksChanged = true;
        changed();
        return connect;
    }

    /** The state file's content; {@link #writeState} replaces it. */
    public ObjectNode state() {
        return state.exists() ? state.read() : StateFile.JSON.createObjectNode();
    }

    public void writeState(ObjectNode content) {
        state.write(content);
    }

    /** The part of the state file that belongs to {@code vm} (its entries, its calls); {@link #writeState(String, ObjectNode)} replaces it. */
    public ObjectNode state(String vm) {
        return state.exists() ? state.vm(vm).read() : StateFile.JSON.createObjectNode();
    }

    public void writeState(String vm, ObjectNode content) {
        state.vm(vm).write(content);
    }

    /** Marks the whole site changed: a test-driver node file is written back when the work ends. */
    public void changed() {
        changedAll = true;
        changed = true;
        if (open != null) {
            open.forgetNics();
        }
    }

    /** Marks one domain changed. */
    private void changed(String domain) {
        touched.add(domain);
        changed = true;
        if (open != null) {
            open.forgetNics(domain);
        }
    }

    /** Writes the domains and networks back to a test-driver node file now, if they changed. */
    public void flush() throws PrimitiveException {
        if (changed && open != null) {
            // The interfaces read while this use changed the site may predate its changes.
            if (changedAll) {
                open.forgetNics();
            }
            touched.forEach(open::forgetNics);
            try {
                open.write(touched, changedAll, networkElements());
                if (networksChanged) {
                    ObjectNode content = state();
                    ArrayNode inactive = StateFile.JSON.createArrayNode();
                    inactiveNetworks().forEach(inactive::add);
                    if (!inactive.equals(content.path("inactiveNetworks"))) {
                        content.set("inactiveNetworks", inactive);
                        writeState(content);
                    }
                }
            } catch (IOException e) {
                throw new PrimitiveException("site '" + site.name() + "': node file " + site.nodeFile().get()
                        + " cannot be written: " + e.getMessage(), e);
            } catch (LibvirtException e) {
                throw failure("read the domains and networks of", site.name(), e);
            }
        }
        changed = false;
        changedAll = false;
        networksChanged = false;
        touched.clear();
    }

    // ---- domains

    public Domain domain(String name) throws PrimitiveException {
        try {
            return connect.domainLookupByName(name);
        } catch (LibvirtException e) {
            throw failure("look up domain", name, e);
        }
    }

    /** The domain's state (running, shutoff, paused, ...), or {@code missing} when it is not defined. */
    public String stateOf(String name) throws PrimitiveException {
        try {
            return stateText(connect.domainLookupByName(name).getInfo().state);
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
                return "missing";
            }
            throw failure("read the state of domain", name, e);
        }
    }

    static String stateText(DomainInfo.DomainState state) {
        return switch (state) {
            case VIR_DOMAIN_RUNNING -> "running";
            case VIR_DOMAIN_SHUTOFF -> "shutoff";
            case VIR_DOMAIN_PAUSED -> "paused";
            case VIR_DOMAIN_SHUTDOWN -> "shutting-down";
            case VIR_DOMAIN_CRASHED -> "crashed";
            case VIR_DOMAIN_PMSUSPENDED -> "suspended";
            case VIR_DOMAIN_BLOCKED -> "blocked";
            default -> "unknown";
        };
    }

    /** The persistent definition of a domain. */
    public String definition(String name) throws PrimitiveException {
        try {
            return domain(name).getXMLDesc(INACTIVE_XML);
        } catch (LibvirtException e) {
            throw failure("read the definition of domain", name, e);
        }
    }

    /** True when two definitions describe the same domain, whatever run-time names they carry. */
    public static boolean sameDefinition(String a, String b) {
        return comparable(a).equals(comparable(b));
    }

    /** A definition with what libvirt fills in or renumbers by itself taken out, for comparing. */
    public static String comparable(String xml) {
        return Definitions.comparable(xml);
    }

    /** Where two definitions first differ, as a short excerpt of each; empty when they do not. */
    public static String difference(String a, String b) {
        String x = Definitions.comparable(a);
        String y = Definitions.comparable(b);
        int i = 0;
        while (i < x.length() && i < y.length() && x.charAt(i) == y.charAt(i)) {
            i++;
        }
        if (i == x.length() && i == y.length()) {
            return "";
        }
        int from = Math.max(0, i - 30);
        return "'..." + x.substring(from, Math.min(x.length(), i + 50)) + "' became '..."
                + y.substring(from, Math.min(y.length(), i + 50)) + "'";
    }

    public void define(String name, String xml) throws PrimitiveException {
        changed(name);
        try {
            connect.domainDefineXML(xml);
        } catch (LibvirtException e) {
            throw failure("redefine domain", name, e);
        } finally {
            changed(name); // again: a read of its interfaces between the mark and the change saw it before
        }
    }

    public void start(String name) throws PrimitiveException {
        changed(name);
        try {
            domain(name).create();
        } catch (LibvirtException e) {
            throw failure("start domain", name, e);
        } finally {
            changed(name); // again: a read of its interfaces between the mark and the change saw it before
        }
    }

    public void shutdown(String name) throws PrimitiveException {
        changed(name);
        try {
            domain(name).shutdown();
        } catch (LibvirtException e) {
            throw failure("shut down domain", name, e);
        } finally {
            changed(name); // again: a read of its interfaces between the mark and the change saw it before
        }
    }

    public void destroy(String name) throws PrimitiveException {
        changed(name);
        try {
            domain(name).destroy();
        } catch (LibvirtException e) {
            throw failure("power off domain", name, e);
        } finally {
            changed(name); // again: a read of its interfaces between the mark and the change saw it before
        }
    }

    /** One network interface of a domain on the site. */
    public record Nic(String domain, String state, String mac, String network) {
    }

    /**
     * Every interface of every domain defined on the site, from their persistent definitions. A test-driver
     * site kept open in this process reads them once, then again only for the domains changed since: a plan's
     * prechecks ask this of one site for each of its VMs.
     */
    public List<Nic> nics() throws PrimitiveException {
        try {
            Map<String, List<Nic>> all = open == null ? readNics(connect) : open.nics(connect);
            return all.values().stream().flatMap(List::stream).toList();
        } catch (LibvirtException e) {
            throw failure("read the interfaces of the domains of", site.name(), e);
        }
    }

    /** Every domain's interfaces, by domain. */
    static Map<String, List<Nic>> readNics(Connect connect) throws LibvirtException {
        Map<String, List<Nic>> out = new java.util.LinkedHashMap<>();
        // Other VMs may change the site meanwhile: a domain gone between the listing and its reading was not there.
        for (int id : connect.listDomains()) {
            try {
                Domain d = connect.domainLookupByID(id);
                out.putIfAbsent(d.getName(), readNics(d));
            } catch (LibvirtException e) {
                if (!gone(e)) {
                    throw e;
                }
            }
        }
        for (String name : connect.listDefinedDomains()) {
            if (!out.containsKey(name)) {
                readNics(connect, name).ifPresent(nics -> out.put(name, nics));
            }
        }
        return out;
    }

    /** One domain's interfaces; empty when it is not defined. */
    static java.util.Optional<List<Nic>> readNics(Connect connect, String name) throws LibvirtException {
        try {
            return java.util.Optional.of(readNics(connect.domainLookupByName(name)));
        } catch (LibvirtException e) {
            if (gone(e)) {
                return java.util.Optional.empty();
            }
            throw e;
        }
    }

    private static List<Nic> readNics(Domain d) throws LibvirtException {
        String name = d.getName();
        String state = stateText(d.getInfo().state);
        org.w3c.dom.Element devices = Xml.ensure(Xml.parse(d.getXMLDesc(INACTIVE_XML)).getDocumentElement(), "devices");
        List<Nic> out = new ArrayList<>();
        for (org.w3c.dom.Element nic : Xml.children(devices, "interface")) {
            String mac = Xml.attr(nic, "mac", "address");
            if (!mac.isEmpty()) {
                out.add(new Nic(name, state, mac.toLowerCase(java.util.Locale.ROOT), Xml.attr(nic, "source", "network")));
            }
        }
        return List.copyOf(out);
    }

    private static boolean gone(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
    }

    // ---- networks

    /**
     * The IPv4 addresses a network holds for itself or for a MAC: its own addresses (the host's side of its
     * bridge) with an empty MAC, and its DHCP host reservations; empty when the network is not defined.
     */
    public List<Map.Entry<String, String>> networkAddresses(String name) throws PrimitiveException {
        String xml;
        try {
            xml = connect.networkLookupByName(name).getXMLDesc(0);
        } catch (LibvirtException e) {
            if (e.getError() != null
                    && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_NETWORK) {
                return List.of();
            }
            throw failure("read the definition of network", name, e);
        }
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (org.w3c.dom.Element ip : Xml.children(Xml.parse(xml).getDocumentElement(), "ip")) {
            if (!ip.getAttribute("address").isEmpty()) {
                out.add(Map.entry(ip.getAttribute("address"), ""));
            }
            for (org.w3c.dom.Element dhcp : Xml.children(ip, "dhcp")) {
                for (org.w3c.dom.Element host : Xml.children(dhcp, "host")) {
                    if (!host.getAttribute("ip").isEmpty()) {
                        out.add(Map.entry(host.getAttribute("ip"),
                                host.getAttribute("mac").toLowerCase(java.util.Locale.ROOT)));
                    }
                }
            }
        }
        return out;
    }

    /** True when the network exists and is active. */
    public boolean networkActive(String name) throws PrimitiveException {
        try {
            return connect.networkLookupByName(name).isActive() == 1;
        } catch (LibvirtException e) {
            if (e.getError() != null
                    && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_NETWORK) {
                return false;
            }
            throw failure("look up network", name, e);
        }
    }

    /** Stops a network, keeping its definition. */
    public void stopNetwork(String name) throws PrimitiveException {
        networksChanged = true;
        changed = true;
        try {
            connect.networkLookupByName(name).destroy();
        } catch (LibvirtException e) {
            throw failure("stop network", name, e);
        }
    }

    PrimitiveException failure(String operation, String object, LibvirtException e) {
        return new PrimitiveException("libvirt could not " + operation + " '" + object + "' on site '"
                + site.name() + "' (" + site.uri() + "): " + e.getMessage(), e);
    }

    // ---- the node file of a test-driver site

    private static void applyInactiveNetworks(Connect connect, StateFile state) throws LibvirtException {
        if (!state.exists()) {
            return;
        }
        for (JsonNode name : state.read().path("inactiveNetworks")) {
            try {
                Network network = connect.networkLookupByName(name.asText());
                if (network.isActive() == 1) {
                    network.destroy();
                }
            } catch (LibvirtException e) {
                // A network removed from the node file is simply gone.
            }
        }
    }

    private List<String> inactiveNetworks() throws PrimitiveException {
        try {
            return List.of(connect.listDefinedNetworks());
        } catch (LibvirtException e) {
            throw failure("list networks of", site.name(), e);
        }
    }

    /** Every network's element of the node file, as it is now. */
    private List<String> networkElements() throws LibvirtException {
        List<String> names = new ArrayList<>(List.of(connect.listNetworks()));
        names.addAll(List.of(connect.listDefinedNetworks()));
        List<String> out = new ArrayList<>();
        for (String name : names) {
            out.add(connect.networkLookupByName(name).getXMLDesc(0));
        }
        return out;
    }

    @Override
    public void close() {
        if (open != null) {
            open.release(!done && changed);
        }
    }
}
