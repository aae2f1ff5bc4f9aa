package dev.runbook.primitive;

import dev.runbook.primitive.PrimitiveSpec.ParamSpec;
import dev.runbook.primitive.PrimitiveSpec.Type;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The primitives and probes runbooks can name, by name. */
public final class Catalog {

    private final Map<String, PrimitiveSpec> specs;

    private Catalog(Map<String, PrimitiveSpec> specs) {
        this.specs = Map.copyOf(specs);
    }

    public Optional<PrimitiveSpec> find(String name) {
        return Optional.ofNullable(specs.get(name));
    }

    public Collection<PrimitiveSpec> all() {
        return specs.values();
    }

    public List<String> names() {
        return specs.keySet().stream().sorted().toList();
    }

    /** Every primitive of the hypervisor, storage, replication and remediation families. */
    public static Catalog standard() {
        return STANDARD;
    }

    private static final Catalog STANDARD = build();

    private static Catalog build() {
        var b = new Builder();
        ParamSpec site = req("site", Type.STRING, "The site name from the inventory.");
        ParamSpec domain = req("domain", Type.STRING, "The libvirt domain name.");
        ParamSpec vm = req("vm", Type.STRING, "The protected VM's name from the inventory.");
        ParamSpec disks = req("disks", Type.LIST, "Paths of the replica disk images.");
        ParamSpec snapshot = req("name", Type.STRING, "The snapshot name.");

        // Hypervisor (libvirt)
        b.action("libvirt.domain.shutdown", true, "libvirt.domain.start",
                "shut down domain {domain} on {site} gracefully; destroy it after {timeout}",
                site, domain, opt("timeout", Type.DURATION, "How long to wait for a graceful shutdown."));
        b.action("libvirt.domain.start", true, "libvirt.domain.shutdown", "start domain {domain} on {site}",
                site, domain);
        b.action("libvirt.domain.destroy", true, null, "power off domain {domain} on {site} at once", site, domain);
        b.action("libvirt.domain.set-compute", true, "libvirt.domain.restore-definition",
                "set domain {domain} on {site} to {vcpus} vCPUs and {memoryMiB} MiB", site, domain,
                req("vcpus", Type.INTEGER, "Virtual CPUs."), req("memoryMiB", Type.INTEGER, "Memory in MiB."));
        b.action("libvirt.domain.reorder-disks", true, "libvirt.domain.restore-definition",
                "make {rootDisk} the boot disk of domain {domain} on {site}", site, domain,
                req("rootDisk", Type.STRING, "Path of the replica root disk."));
        b.action("libvirt.domain.map-networks", true, "libvirt.domain.restore-definition",
                "attach the NICs of domain {domain} on {site} to {nics}", site, domain,
                req("nics", Type.LIST, "For each NIC: its MAC and the destination network."));
        b.action("libvirt.domain.set-firmware", true, "libvirt.domain.restore-definition",
                "set the firmware of domain {domain} on {site} to {firmware}", site, domain,
                req("firmware", Type.STRING, "bios or uefi."));
        b.action("libvirt.domain.restore-definition", true, null,
                "restore the recorded definition of domain {domain} on {site}", site, domain,
                req("xml", Type.STRING, "The domain XML recorded before the change."));
        b.action("libvirt.domain.await-running", false, null,
                "wait until domain {domain} on {site} runs, at most {timeout}", site, domain,
                opt("timeout", Type.DURATION, "How long to wait."));
        b.probe("libvirt.domain.state", "read the state of domain {domain} on {site}", site, domain);
        b.probe("libvirt.network.available", "check that networks {networks} on {site} exist and are active",
                site, req("networks", Type.LIST, "The destination networks."));

        // Storage (qemu-img)
        b.action("storage.snapshot", true, "storage.revert", "take rollback snapshot {name} of {disks}",
                disks, snapshot);
        b.action("storage.revert", true, null, "revert {disks} to snapshot {name}, then delete it", disks, snapshot);
        b.action("storage.delete-snapshot", true, null, "delete snapshot {name} of {disks}", disks, snapshot);
        b.probe("storage.readiness", "check that replica disks {disks} exist, are qcow2 and consistent", disks);

        // Replication
        b.action("replication.stop-export", true, "replication.start-export",
                "stop the target-side replication export of {vm}", vm);
        b.action("replication.start-export", true, "replication.stop-export",
                "start the target-side replication export of {vm}", vm);
        b.action("replication.final-sync", true, null,
                "run a final sync of {vm} from the powered-off source into the replica", vm);
        b.action("replication.set-direction", true, "replication.restore-direction",
                "make {vm} replicate {direction} (forward: protected to recovery site; reverse: back)", vm,
                req("direction", Type.STRING, "forward or reverse."));
        b.action("replication.restore-direction", true, null,
                "restore the replication direction and sync record of {vm} from before the change", vm,
                req("previous", Type.STRING, "The direction and sync record recorded by set-direction."));
        b.action("replication.sync", true, null,
                "sync {vm} in its replication direction while the sending VM runs", vm);
        b.action("replication.reverse-sync", true, null,
                "run a final reverse sync of {vm} from the stopped recovered VM into the protected site's disks", vm);
        b.action("replication.controller-mode", true, null,
                "return the controller of {vm} to replication mode: its definition from before failover (left off)", vm);
        b.probe("replication.sync-state", "read the direction, last sync time, result and checkpoint of {vm}", vm);
        b.probe("controller.health", "read the health of the controller of {vm}", vm);
        b.probe("locks.active", "list operation locks held on {vm} by other runs", vm);

        // Runs
        b.action("failover.undo", true, null,
                "undo failover run {run} of {vm}: its recorded compensations, in reverse order", vm,
                req("run", Type.STRING, "The id of the failover run to undo."));

        // Guest remediation
        b.action("remediation.adapt", true, null,
                "adapt replica root disk {disk} of {vm} for the {profile} virtual hardware", vm,
                req("disk", Type.STRING, "Path of the replica root disk."),
                req("profile", Type.STRING, "The destination hardware profile."));
        b.action("remediation.stage", true, null,
                "stage guest remediation files into {disk} of {vm} and set them to run at its first boot", vm,
                req("disk", Type.STRING, "Path of the replica root disk."),
                req("files", Type.LIST, "Files to render and stage: template, guest path and mode."));
        b.action("remediation.await-status", false, null,
                "wait for {vm}'s remediation report, at most {deadline}", vm,
                opt("deadline", Type.DURATION, "How long to wait for the guest's report."),
                opt("failOn", Type.LIST, "Final statuses that fail the step (default [failed]; no report is failed). "
                        + "Others end the step with the status as its result, for a decision's commitWhen to read."));
        return new Catalog(b.specs);
    }

    private static ParamSpec req(String name, Type type, String description) {
        return new ParamSpec(name, type, true, description);
    }

    private static ParamSpec opt(String name, Type type, String description) {
        return new ParamSpec(name, type, false, description);
    }

    private static final class Builder {
        final Map<String, PrimitiveSpec> specs = new LinkedHashMap<>();

        void action(String name, boolean mutates, String undo, String summary, ParamSpec... params) {
            // A mutation counts as unsafe to repeat: resume asks the site whether it took effect.
            specs.put(name, new PrimitiveSpec(name, false, mutates, !mutates, List.of(params),
                    Optional.ofNullable(undo), summary));
        }

        void probe(String name, String summary, ParamSpec... params) {
            specs.put(name, new PrimitiveSpec(name, true, false, true, List.of(params), Optional.empty(), summary));
        }
    }
}
