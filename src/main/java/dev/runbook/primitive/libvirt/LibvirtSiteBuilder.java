package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * What making and inspecting a libvirt site takes, for whoever builds one (the demo site) rather than runs
 * runbooks on it: a site on libvirt's test driver, qcow2 disks, a VM's entry in the replication port, what
 * libvirt holds of a domain, and files inside a guest's disk. Runs reach a site through the primitives and
 * the ports only.
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

    /** Creates an empty qcow2 disk of {@code bytes}. */
    public static void createDisk(Path disk, long bytes) throws PrimitiveException, InterruptedException {
        QemuImg.check("create", "-q", "-f", "qcow2", disk.toString(), Long.toString(bytes));
    }

    /** Makes the qcow2 disk {@code disk} from the raw image {@code raw}. */
    public static void importRaw(Path raw, Path disk) throws PrimitiveException, InterruptedException {
        QemuImg.check("convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), disk.toString());
    }

    /** True when two disks hold the same content, by {@code qemu-img compare}. */
    public static boolean identical(Path a, Path b) throws PrimitiveException, InterruptedException {
        return QemuImg.identical(a, b);
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
