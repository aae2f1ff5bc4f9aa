package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.load.Loader;
import dev.runbook.model.Inventory;
import dev.runbook.primitive.local.LocalSite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped sample inventory, pointed at two fresh local sites in a folder. */
public final class LocalSiteFixture {

    public final Path dir;
    public final Path inventory;
    public final LocalSite protectedSite;
    public final LocalSite recoverySite;
    public final Path journal;

    public LocalSiteFixture(Path dir) {
        this(dir, true);
    }

    /** The fixture already in the folder, as a crashed process left it. */
    public static LocalSiteFixture existing(Path dir) {
        return new LocalSiteFixture(dir, false);
    }

    private LocalSiteFixture(Path dir, boolean seed) {
        this.dir = dir;
        try {
            String text = Files.readString(Path.of("inventories/sample.yaml"));
            text = text.replaceFirst("uri: test:///default", "uri: local://" + dir.resolve("protected.json"))
                    .replaceFirst("uri: test:///default", "uri: local://" + dir.resolve("recovery.json"));
            inventory = dir.resolve("inventory.yaml");
            Files.writeString(inventory, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Inventory inv = Loader.inventory(inventory).value().orElseThrow();
        if (seed) {
            LocalSite.seed(inv);
        }
        protectedSite = LocalSite.at(dir.resolve("protected.json"));
        recoverySite = LocalSite.at(dir.resolve("recovery.json"));
        journal = dir.resolve("journal.db");
    }

    /**
     * Both sites' recoverable state: domains, networks, disks with snapshots, exports. Remediation status
     * is left out: it is the job's record of what the guest reported, not something a rollback restores; so
     * are the ownership records, which follow the journal's locks (their own tests check them).
     */
    public JsonNode resources() {
        ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        o.set("protected", without(protectedSite.resources(), "remediation", "owners"));
        o.set("recovery", without(recoverySite.resources(), "remediation", "owners"));
        return o;
    }

    private static JsonNode without(JsonNode state, String... sections) {
        ObjectNode copy = state.deepCopy();
        for (String section : sections) {
            copy.remove(section);
        }
        return copy;
    }

    /** The guest's report, which a local site cannot produce itself: a local site has no guests. */
    public void guestReports(String vm, String status) {
        recoverySite.report(vm, status, java.util.List.of(new LocalSite.Action("network", status, "reported by the test in the guest's place")));
    }
}
