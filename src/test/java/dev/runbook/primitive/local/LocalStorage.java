package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.StorageSpecs;
import java.util.List;

/** The storage family on a local site: snapshots of replica disks, their revert and the readiness probe. */
final class LocalStorage extends LocalPrimitive {

    /** What one primitive of the family does. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(LocalStorage self, Call call) throws PrimitiveException, InterruptedException;
    }

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new LocalStorage(StorageSpecs.SNAPSHOT, (self, call) -> self.each(call, LocalStorage::snapshot)),
                new LocalStorage(StorageSpecs.REVERT, (self, call) -> self.each(call, LocalStorage::revert)),
                new LocalStorage(StorageSpecs.DELETE_SNAPSHOT,
                        (self, call) -> self.each(call, (disk, path, name) -> snapshots(disk).remove(name))),
                new LocalStorage(StorageSpecs.READINESS, LocalStorage::readiness));
    }

    private final Body body;

    private LocalStorage(PrimitiveSpec spec, Body body) {
        super(spec);
        this.body = body;
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call);
    }

    /** What a primitive does to one disk. */
    @FunctionalInterface
    private interface DiskChange {
        void apply(ObjectNode disk, String path, String snapshot) throws PrimitiveException;
    }

    private JsonNode each(Call call, DiskChange change) throws PrimitiveException {
        List<String> paths = texts(call, "disks");
        String name = text(call, "name");
        Site site = home(call);
        return mutate(call, state -> {
            for (String path : paths) {
                change.apply(disk(state, path, site), path, name);
            }
            ObjectNode result = object().put("name", name);
            paths.forEach(result.putArray("disks")::add);
            return result;
        });
    }

    private static void snapshot(ObjectNode disk, String path, String name) throws PrimitiveException {
        JsonNode taken = snapshots(disk).get(name);
        String content = disk.path("content").asText();
        if (taken != null && !taken.asText().equals(content)) {
            throw fail("snapshot '%s' of disk %s already exists with other content", name, path);
        }
        snapshots(disk).put(name, content);
    }

    private static void revert(ObjectNode disk, String path, String name) throws PrimitiveException {
        JsonNode taken = snapshots(disk).get(name);
        if (taken == null) {
            throw fail("disk %s has no snapshot '%s'", path, name);
        }
        disk.put("content", taken.asText());
        snapshots(disk).remove(name); // a rollback snapshot has served its purpose once reverted to
    }

    private JsonNode readiness(Call call) throws PrimitiveException {
        JsonNode disks = home(call).local().read().path("disks");
        for (String path : texts(call, "disks")) {
            JsonNode disk = disks.path(path);
            if (disk.isMissingNode()) {
                return object().put("ready", false).put("reason", "disk " + path + " does not exist");
            }
            if (!"qcow2".equals(disk.path("format").asText())) {
                return object().put("ready", false)
                        .put("reason", "disk " + path + " is " + disk.path("format").asText() + ", not qcow2");
            }
        }
        return object().put("ready", true).put("reason", "");
    }

    private static ObjectNode snapshots(ObjectNode disk) {
        return LocalSite.section(disk, "snapshots");
    }

    static ObjectNode disk(JsonNode state, String path, Site site) throws PrimitiveException {
        if (state.path("disks").get(path) instanceof ObjectNode disk) {
            return disk;
        }
        throw fail("disk %s does not exist on site '%s'", path, site.name());
    }
}
