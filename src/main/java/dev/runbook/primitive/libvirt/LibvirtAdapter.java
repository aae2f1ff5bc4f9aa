package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.GuestReports;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.StateFileOwnership;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.Primitives;
import dev.runbook.primitive.ReplicationPort;
import dev.runbook.primitive.SiteAdapter;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sites reached through libvirt: {@code test:///<path>.xml} for the embedded test driver,
 * {@code qemu:///system}, remote URIs. Each family registers its own primitives.
 */
public final class LibvirtAdapter implements SiteAdapter {

    /** Every URI no other adapter claims: libvirt's drivers decide which they accept. */
    @Override
    public boolean drives(String uri) {
        return true;
    }

    @Override
    public boolean fallback() {
        return true;
    }

    @Override
    public String kind() {
        return "libvirt sites";
    }

    @Override
    public void check(JsonNode site) throws PrimitiveException {
        if (site.path("uri").asText().equals("test:///default")) {
            throw new PrimitiveException("site '" + site.path("name").asText() + "' has URI test:///default, "
                    + "libvirt's shared in-process sample, which does not outlive the process; use a "
                    + "test:///<absolute path>.xml node file (`runbook demo init DIR` makes one)");
        }
        SiteRef.of(site); // refuses a site without a state file before anything runs
    }

    @Override
    public Primitives primitives() {
        Primitives out = new Primitives();
        Stream.of(Domains.all(), Disks.all(), Replication.all(), Remediation.all()).flatMap(List::stream)
                .forEach(out::add);
        return out;
    }

    @Override
    public Ownership ownership(JsonNode recoverySite, JsonNode protectedSite) throws PrimitiveException {
        SiteRef recovery = SiteRef.of(recoverySite);
        return new StateFileOwnership(recovery.name(), StateFile.at(recovery.state()),
                StateFile.at(SiteRef.of(protectedSite).state()));
    }

    @Override
    public ReplicationPort replication(JsonNode site) throws PrimitiveException {
        return new LibvirtReplicationPort(SiteRef.of(site));
    }

    @Override
    public GuestReports reports(JsonNode site) throws PrimitiveException {
        SiteRef ref = SiteRef.of(site);
        return (vm, run, token, report) -> RemediationReports.accept(ref, vm, run, token, report);
    }
}
