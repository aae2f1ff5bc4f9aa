package dev.runbook.primitive.libvirt;

import dev.runbook.primitive.Call;
import dev.runbook.primitive.Catalog;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
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
                out.add(new Unavailable(name));
            }
        }
        return out;
    }

    /** A guest remediation primitive, which libvirt sites cannot run in this build: it refuses, never pretends. */
    private record Unavailable(String name) implements Primitive {
        @Override
        public PrimitiveSpec spec() {
            return Catalog.standard().find(name).orElseThrow();
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode apply(Call call) throws PrimitiveException {
            throw new PrimitiveException(name + " cannot run on a libvirt site in this build: staging guest "
                    + "scripts into replica disks is not implemented yet, so the step fails rather than skip");
        }
    }
}
