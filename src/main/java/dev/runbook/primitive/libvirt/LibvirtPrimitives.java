package dev.runbook.primitive.libvirt;

import dev.runbook.primitive.Catalog;
import dev.runbook.primitive.Primitives;

/** The primitives for sites reached through libvirt, one per catalog name the engine does not provide. */
public final class LibvirtPrimitives {

    private LibvirtPrimitives() {
    }

    public static Primitives all() {
        Primitives out = new Primitives();
        for (String name : Catalog.standard().names()) {
            if (name.startsWith("libvirt.network.")) {
                out.add(new Domains.Networks());
            } else if (name.startsWith("libvirt.")) {
                out.add(new Domains(name));
            } else if (name.startsWith("storage.")) {
                out.add(new Disks(name));
            } else if (name.startsWith("replication.") || name.equals("controller.health")) {
                out.add(new Replication(name));
            } else if (name.startsWith("remediation.")) {
                out.add(new Remediation(name));
            }
        }
        return out;
    }
}
