package dev.runbook.primitive;

import static dev.runbook.primitive.PrimitiveSpec.ParamSpec.optional;
import static dev.runbook.primitive.PrimitiveSpec.ParamSpec.required;

import dev.runbook.primitive.PrimitiveSpec.ParamSpec;
import dev.runbook.primitive.PrimitiveSpec.Type;
import java.util.List;

/** The hypervisor family: power, definition changes and their restore, and the state and network probes. */
public final class HypervisorSpecs {

    private static final ParamSpec SITE = required("site", Type.STRING, "The site name from the inventory.");
    private static final ParamSpec DOMAIN = required("domain", Type.STRING, "The libvirt domain name.");

    public static final PrimitiveSpec SHUTDOWN = PrimitiveSpec.action("libvirt.domain.shutdown", true,
            "libvirt.domain.start", "shut down domain {domain} on {site} gracefully; destroy it after {timeout}",
            SITE, DOMAIN, optional("timeout", Type.DURATION, "How long to wait for a graceful shutdown."));

    public static final PrimitiveSpec START = PrimitiveSpec.action("libvirt.domain.start", true,
            "libvirt.domain.shutdown", "start domain {domain} on {site}", SITE, DOMAIN);

    public static final PrimitiveSpec DESTROY = PrimitiveSpec.action("libvirt.domain.destroy", true, null,
            "power off domain {domain} on {site} at once", SITE, DOMAIN);

    public static final PrimitiveSpec SET_COMPUTE = PrimitiveSpec.action("libvirt.domain.set-compute", true,
            "libvirt.domain.restore-definition", "set domain {domain} on {site} to {vcpus} vCPUs and {memoryMiB} MiB",
            SITE, DOMAIN, required("vcpus", Type.INTEGER, "Virtual CPUs."),
            required("memoryMiB", Type.INTEGER, "Memory in MiB."));

    public static final PrimitiveSpec REORDER_DISKS = PrimitiveSpec.action("libvirt.domain.reorder-disks", true,
            "libvirt.domain.restore-definition", "make {rootDisk} the boot disk of domain {domain} on {site}",
            SITE, DOMAIN, required("rootDisk", Type.STRING, "Path of the replica root disk."));

    public static final PrimitiveSpec MAP_NETWORKS = PrimitiveSpec.action("libvirt.domain.map-networks", true,
            "libvirt.domain.restore-definition", "attach the NICs of domain {domain} on {site} to {nics}",
            SITE, DOMAIN, required("nics", Type.LIST, "For each NIC: its MAC and the destination network."));

    public static final PrimitiveSpec SET_FIRMWARE = PrimitiveSpec.action("libvirt.domain.set-firmware", true,
            "libvirt.domain.restore-definition", "set the firmware of domain {domain} on {site} to {firmware}",
            SITE, DOMAIN, required("firmware", Type.STRING, "bios or uefi."));

    public static final PrimitiveSpec RESTORE_DEFINITION = PrimitiveSpec.action("libvirt.domain.restore-definition",
            true, null, "restore the recorded definition of domain {domain} on {site}", SITE, DOMAIN,
            required("xml", Type.STRING, "The domain XML recorded before the change."));

    public static final PrimitiveSpec AWAIT_RUNNING = PrimitiveSpec.action("libvirt.domain.await-running", false,
            null, "wait until domain {domain} on {site} runs, at most {timeout}", SITE, DOMAIN,
            optional("timeout", Type.DURATION, "How long to wait."));

    public static final PrimitiveSpec STATE = PrimitiveSpec.probe("libvirt.domain.state",
            "read the state of domain {domain} on {site}", SITE, DOMAIN);

    public static final PrimitiveSpec NETWORK_AVAILABLE = PrimitiveSpec.probe("libvirt.network.available",
            "check that networks {networks} on {site} exist and are active", SITE,
            required("networks", Type.LIST, "The destination networks."));

    public static final PrimitiveSpec NETWORK_CONFLICTS = PrimitiveSpec.probe("libvirt.network.conflicts",
            "look on {site} for other domains using the MACs of {nics}, and for their static IPv4 addresses held by"
                    + " the destination networks", SITE,
            required("domain", Type.STRING, "The VM's own domain on the site, left out of the comparison."),
            required("nics", Type.LIST, "For each NIC: its MAC, its destination network and its static IPv4"
                    + " address (empty for DHCP)."));

    static final List<PrimitiveSpec> ALL = List.of(SHUTDOWN, START, DESTROY, SET_COMPUTE, REORDER_DISKS,
            MAP_NETWORKS, SET_FIRMWARE, RESTORE_DEFINITION, AWAIT_RUNNING, STATE, NETWORK_AVAILABLE,
            NETWORK_CONFLICTS);

    private HypervisorSpecs() {
    }
}
