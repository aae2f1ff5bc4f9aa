package dev.runbook.primitive.libvirt;

import dev.runbook.primitive.Primitives;
import java.util.List;
import java.util.stream.Stream;

/** The primitives for sites reached through libvirt: each family registers its own. */
public final class LibvirtPrimitives {

    private LibvirtPrimitives() {
    }

    public static Primitives all() {
        Primitives out = new Primitives();
        Stream.of(Domains.all(), Disks.all(), Replication.all(), Remediation.all()).flatMap(List::stream)
                .forEach(out::add);
        return out;
    }
}
