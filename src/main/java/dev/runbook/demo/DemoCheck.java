package dev.runbook.demo;

import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder;
import dev.runbook.primitive.libvirt.SiteRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a rollback on the demo site must restore for one VM, taken before the run and checked after it:
 * each replica's content (by {@code qemu-img compare} against a copy), no rollback snapshot left, the
 * controller VM's definition and power state, and its replication export.
 */
public final class DemoCheck {

    /** One checked fact. */
    public record Finding(boolean ok, String text) {
    }

    private final LibvirtSiteBuilder recovery;
    private final String vm;
    private final List<Path> replicas;
    private final List<Path> copies;
    private final String definition;
    private final String power;
    private final String export;

    private DemoCheck(LibvirtSiteBuilder recovery, String vm, List<Path> replicas, List<Path> copies, String definition,
                      String power, String export) {
        this.recovery = recovery;
        this.vm = vm;
        this.replicas = replicas;
        this.copies = copies;
        this.definition = definition;
        this.power = power;
        this.export = export;
    }

    /** Records the state of {@code vm} on the demo's recovery site, copying its replicas into {@code copies}. */
    public static DemoCheck before(SiteRef recoverySite, Path inventory, String vm, Path copiesDir)
            throws PrimitiveException, InterruptedException, IOException {
        LibvirtSiteBuilder recovery = LibvirtSiteBuilder.of(recoverySite);
        DemoSite.Vm entry = DemoSite.VMS.stream().filter(v -> v.name().equals(vm)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the demo site has no VM " + vm + "; it has "
                        + DemoSite.VMS.stream().map(DemoSite.Vm::name).toList()));
        Files.createDirectories(copiesDir);
        List<Path> replicas = new ArrayList<>();
        List<Path> copies = new ArrayList<>();
        for (String disk : entry.disks()) {
            Path replica = inventory.resolveSibling("disks").resolve("recovery/" + vm + "-" + disk + ".qcow2");
            Path copy = copiesDir.resolve(replica.getFileName());
            Files.copy(replica, copy);
            replicas.add(replica);
            copies.add(copy);
        }
        String controller = "ctrl-" + vm;
        String definition = recovery.definition(controller);
        String power = recovery.power(controller);
        String export = exportOf(recovery, vm);
        return new DemoCheck(recovery, vm, replicas, copies, definition, power, export);
    }

    /** Checks each recorded fact again. */
    public List<Finding> after() throws PrimitiveException, InterruptedException {
        List<Finding> out = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            Path replica = replicas.get(i);
            boolean same = LibvirtSiteBuilder.identical(copies.get(i), replica);
            out.add(new Finding(same, "qemu-img compare " + copies.get(i).getFileName() + " (before the run) "
                    + replica + ": " + (same ? "Images are identical." : "content differs")));
            var snapshots = LibvirtSiteBuilder.snapshots(replica);
            out.add(new Finding(snapshots.isEmpty(), replica.getFileName() + " holds "
                    + (snapshots.isEmpty() ? "no rollback snapshot" : "snapshots " + snapshots)));
        }
        String controller = "ctrl-" + vm;
        String nowDefinition = recovery.definition(controller);
        boolean sameDefinition = LibvirtSiteBuilder.sameDefinition(nowDefinition, definition);
        out.add(new Finding(sameDefinition, "controller " + controller + " definition "
                + (sameDefinition ? "is the one before the run (compute, disks, NICs, firmware)"
                        : "differs from before the run: " + LibvirtSiteBuilder.difference(definition, nowDefinition))));
        String nowPower = recovery.power(controller);
        out.add(new Finding(nowPower.equals(power), "controller " + controller + " is " + nowPower
                + " (was " + power + ")"));
        String nowExport = exportOf(recovery, vm);
        out.add(new Finding(nowExport.equals(export), "replication export of " + vm + " is " + nowExport
                + ": the controller is back in replication mode"));
        return out;
    }

    private static String exportOf(LibvirtSiteBuilder recovery, String vm) throws PrimitiveException, InterruptedException {
        String export = recovery.replication().status(vm, "ctrl-" + vm).path("export").asText();
        return export.isEmpty() ? "missing" : export;
    }
}
