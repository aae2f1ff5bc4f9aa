package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Inventory;
import dev.runbook.primitive.StateFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A site whose whole state (domains, networks, disks, replication, remediation and the record of
 * applied calls) is one {@link StateFile}: every change happens completely or not at all, even when the
 * process is killed.
 */
public final class LocalSite {

    static final ObjectMapper JSON = StateFile.JSON;

    /** The instant seeded replication entries report as their last sync. */
    static final String SEEDED_SYNC = "2024-01-01T00:00:00Z";

    private static final String SCHEME = "local://";
    private static final List<String> SECTIONS =
            List.of("domains", "networks", "disks", "replication", "remediation", "applied");

    private final StateFile store;

    private LocalSite(Path file) {
        this.store = StateFile.at(file);
    }

    /** The site whose state is {@code file}; the file need not exist yet. */
    public static LocalSite at(Path file) {
        return new LocalSite(file);
    }

    /** The state file a {@code local:///absolute/path} URI names; empty for any other URI. */
    public static Optional<Path> pathOf(String uri) {
        if (uri == null || !uri.startsWith(SCHEME + "/")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(uri.substring(SCHEME.length())));
    }

    /** The state file. */
    public Path file() {
        return store.file();
    }

    /** A copy of the current state. */
    public JsonNode read() {
        return store.read();
    }

    /**
     * Applies {@code change} to the state under the site's lock and writes the result atomically. When
     * the change throws, nothing is written.
     */
    public <T> T update(Function<ObjectNode, T> change) {
        return change(change::apply);
    }

    /**
     * Like {@link #update}, for a change that spans two sites. {@code first} is written before
     * {@code last}, so a mark written with {@code last} implies the change to {@code first} is on disk.
     * When both are the same file the change sees one state twice.
     */
    public static <T> T updateBoth(LocalSite first, LocalSite last, BiFunction<ObjectNode, ObjectNode, T> change) {
        return changeBoth(first, last, change::apply);
    }

    <T, X extends Exception> T change(StateFile.Change<T, X> change) throws X {
        return store.change(change);
    }

    static <T, X extends Exception> T changeBoth(LocalSite first, LocalSite last, StateFile.BothChange<T, X> change)
            throws X {
        return StateFile.changeBoth(first.store, last.store, change);
    }

    /**
     * Writes the state files of every {@code local:} site of the inventory, replacing what they held:
     * each VM's source domain and disks on its protected site, its controller domain, in-sync replicas and
     * replication entry on its recovery site, and the networks each side needs.
     */
    public static void seed(Inventory inventory) {
        Map<Path, ObjectNode> states = new LinkedHashMap<>();
        inventory.sites().values().forEach(s -> pathOf(s.uri()).ifPresent(p -> states.computeIfAbsent(
                at(p).file(), k -> empty())));
        for (Inventory.Vm vm : inventory.vms()) {
            state(inventory, vm.protectedSite(), states).ifPresent(s -> SiteSeed.source(s, vm));
            state(inventory, vm.recoverySite(), states).ifPresent(s -> SiteSeed.recovery(s, vm, inventory));
        }
        states.forEach((path, state) -> at(path).store.write(state));
    }

    /** The state without the record of applied calls and without sync times: what a rollback must restore. */
    public JsonNode resources() {
        ObjectNode state = store.read();
        state.remove("applied");
        state.path("replication").forEach(r -> ((ObjectNode) r).remove("lastSync"));
        return state;
    }

    /** Records a guest's remediation report, as the guest of {@code vm} would. */
    public void report(String vm, String status, List<Action> actions) {
        update(state -> {
            ObjectNode entry = section(state, "remediation").withObjectProperty(vm);
            entry.put("status", status);
            ArrayNode list = entry.putArray("actions");
            actions.forEach(a -> list.addObject().put("action", a.action()).put("outcome", a.outcome())
                    .put("detail", a.detail()));
            if (!entry.has("staged")) {
                entry.putArray("staged");
            }
            return null;
        });
    }

    /** One action of a remediation report. */
    public record Action(String action, String outcome, String detail) {
    }

    /** The idempotency keys of every applied call, in the order they were first applied. */
    public List<String> appliedKeys() {
        List<String> keys = new ArrayList<>();
        store.read().path("applied").properties().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    static ObjectNode section(ObjectNode state, String name) {
        return StateFile.section(state, name);
    }

    private static ObjectNode empty() {
        ObjectNode state = JSON.createObjectNode();
        SECTIONS.forEach(state::putObject);
        return state;
    }

    private static Optional<ObjectNode> state(Inventory inventory, String site, Map<Path, ObjectNode> states) {
        return Optional.ofNullable(inventory.sites().get(site)).flatMap(s -> pathOf(s.uri()))
                .map(p -> states.get(at(p).file()));
    }
}
