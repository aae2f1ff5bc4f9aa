package dev.runbook.primitive.libvirt;

import dev.runbook.primitive.StateFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.w3c.dom.Element;

/**
 * A test-driver site held open in this process for as long as its node file is the one this process last
 * read or wrote.
 *
 * <p>Opening a test-driver connection parses the whole node file (about a second for a thousand domains),
 * and writing the node file back took every domain's definition through a parser. A site of many VMs is
 * therefore opened once and kept, with each domain's element of the node file, and a change rewrites only
 * the elements of the domains it touched. The node file's identity (file key, modification time, size) says
 * whether another process, or anyone editing the file, replaced it since; then the site is opened afresh.
 * A use that failed part-way is dropped, so what it changed in memory but never wrote is forgotten, as a
 * fresh process would forget it.
 */
final class OpenSite {

    private static final String TEST_NS = "http://libvirt.org/schemas/domain/test/1.0";
    private static final Map<Path, OpenSite> OPEN = new ConcurrentHashMap<>();

    private final Path nodeFile;
    private final Connect connect;
    private Object stamp;
    private int users;
    private boolean dropped;
    /** Each domain's element of the node file, by name; empty until the first write from this process. */
    private final Map<String, String> domains = new LinkedHashMap<>();
    private boolean complete;
    /** Every domain's interfaces as last read, by domain, or null before the first read or after a change of all. */
    private Map<String, List<Session.Nic>> nics;
    /** The domains changed since their interfaces were read. */
    private final java.util.Set<String> stale = new java.util.HashSet<>();

    private OpenSite(Path nodeFile, Connect connect, Object stamp) {
        this.nodeFile = nodeFile;
        this.connect = connect;
        this.stamp = stamp;
    }

    /** What opens a connection to a site's node file; the first use of a fresh one goes through it too. */
    @FunctionalInterface
    interface Opener {
        Connect open() throws LibvirtException;
    }

    /**
     * The site of {@code nodeFile}, held for one use until {@link #release}: the one this process keeps when
     * the node file is still the one it saw, else a fresh connection (through {@code opener}).
     *
     * @return the held site
     */
    static synchronized OpenSite acquire(Path nodeFile, Opener opener, Fresh fresh)
            throws LibvirtException, IOException {
        Object now = stampOf(nodeFile);
        OpenSite kept = OPEN.get(nodeFile);
        if (kept != null && !kept.dropped && Objects.equals(kept.stamp, now)) {
            kept.users++;
            return kept;
        }
        if (kept != null) {
            kept.drop();
        }
        OpenSite site = new OpenSite(nodeFile, opener.open(), now);
        try {
            fresh.prepare(site.connect);
        } catch (LibvirtException | RuntimeException e) {
            site.close(); // never kept, so nothing else would release it
            throw e;
        }
        site.users = 1;
        OPEN.put(nodeFile, site);
        return site;
    }

    /** Work done once on a freshly opened connection, before any use sees it. */
    @FunctionalInterface
    interface Fresh {
        void prepare(Connect connect) throws LibvirtException;
    }

    Connect connect() {
        return connect;
    }

    /** Every domain's interfaces: as last read, those of the domains changed since read again. */
    synchronized Map<String, List<Session.Nic>> nics(Connect connect) throws LibvirtException {
        if (nics == null) {
            stale.clear();
            nics = Session.readNics(connect);
        }
        for (String name : stale) {
            java.util.Optional<List<Session.Nic>> now = Session.readNics(connect, name);
            if (now.isPresent()) {
                nics.put(name, now.get());
            } else {
                nics.remove(name);
            }
        }
        stale.clear();
        return new LinkedHashMap<>(nics);
    }

    /** Forgets the interfaces read of one domain, changed in memory. */
    synchronized void forgetNics(String domain) {
        stale.add(domain);
    }

    /** Forgets every domain's interfaces: anything may have changed. */
    synchronized void forgetNics() {
        nics = null;
    }

    /** Ends one use; a use that failed after changing the site in memory drops the site. */
    void release(boolean failedAfterChange) {
        synchronized (OpenSite.class) {
            users--;
            if (failedAfterChange) {
                drop();
            } else if (dropped && users == 0) {
                close();
            }
        }
    }

    private void drop() {
        dropped = true;
        OPEN.remove(nodeFile, this);
        if (users == 0) {
            close();
        }
    }

    private void close() {
        try {
            connect.close();
        } catch (LibvirtException ignored) {
            // The in-process test driver has nothing left to release that matters.
        }
    }

    /**
     * Writes the node file back: the domains named in {@code touched} (all of them when {@code all}) are
     * read from the connection, the others are kept as this process last wrote them, and the networks are
     * written as they are now. Callers hold the site's lock.
     */
    void write(Collection<String> touched, boolean all, List<String> networks) throws LibvirtException, IOException {
        if (all || !complete) {
            domains.clear();
            for (String name : allDomains()) {
                domains.put(name, element(connect.domainLookupByName(name)));
            }
            complete = true;
        } else {
            for (String name : touched) {
                Domain domain = lookup(name);
                if (domain == null) {
                    domains.remove(name);
                } else {
                    domains.put(name, element(domain));
                }
            }
        }
        StringBuilder node = new StringBuilder(domains.size() * 1200).append("<node>\n");
        domains.values().forEach(d -> node.append(d).append('\n'));
        networks.forEach(n -> node.append(n).append('\n'));
        node.append("</node>\n");
        StateFile.replace(nodeFile, node.toString().getBytes(StandardCharsets.UTF_8));
        synchronized (OpenSite.class) {
            stamp = stampOf(nodeFile);
        }
    }

    private List<String> allDomains() throws LibvirtException {
        List<String> names = new ArrayList<>();
        for (int id : connect.listDomains()) {
            names.add(connect.domainLookupByID(id).getName());
        }
        for (String name : connect.listDefinedDomains()) {
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private Domain lookup(String name) throws LibvirtException {
        try {
            return connect.domainLookupByName(name);
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN) {
                return null;
            }
            throw e;
        }
    }

    /** A domain's element of the node file: its persistent definition, without run-time names, and its run state. */
    private static String element(Domain domain) throws LibvirtException {
        Element def = Xml.parse(domain.getXMLDesc(Session.INACTIVE_XML)).getDocumentElement();
        Definitions.dropRuntime(def);
        def.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:test", TEST_NS);
        Element runstate = def.getOwnerDocument().createElementNS(TEST_NS, "test:runstate");
        runstate.setTextContent(Integer.toString(domain.getInfo().state.ordinal()));
        def.appendChild(runstate);
        return Xml.write(def, false);
    }

    /** What tells one node file from the one that replaced it; null when there is none. */
    private static Object stampOf(Path file) throws IOException {
        try {
            return StateFile.stampOf(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
