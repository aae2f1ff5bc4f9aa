package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.StorageSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage family on qcow2 replica disks: rollback snapshots, their revert and deletion, all by
 * {@code qemu-img}, and the readiness probe. A snapshot stores the disk's content inside the image, so
 * after a revert {@code qemu-img compare} against a copy taken before the run reports them identical.
 */
final class Disks extends LibvirtPrimitive {

    /** What one primitive of the family does. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(Disks self, Call call) throws PrimitiveException, InterruptedException;
    }

    /** Whether a cut-off call took effect, from whether every disk has the snapshot or none has. */
    @FunctionalInterface
    private interface Done {
        boolean after(boolean taken, boolean gone);
    }

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new Disks(StorageSpecs.SNAPSHOT, Disks::snapshot, (taken, gone) -> taken),
                new Disks(StorageSpecs.REVERT, Disks::revert, (taken, gone) -> gone),
                new Disks(StorageSpecs.DELETE_SNAPSHOT, Disks::deleteSnapshot, (taken, gone) -> gone),
                new Disks(StorageSpecs.READINESS, (self, call) -> readiness(call), (taken, gone) -> false));
    }

    private final Body body;
    private final Done done;

    private Disks(PrimitiveSpec spec, Body body, Done done) {
        super(spec);
        this.body = body;
        this.done = done;
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call);
    }

    private JsonNode snapshot(Call call) throws PrimitiveException, InterruptedException {
        List<Path> disks = disks(call);
        String name = CallSupport.text(call, "name");
        return mutate(call, NOTHING, (session, intent) -> {
            for (Path disk : disks) {
                // A resumed call finds the disks it already did; the name is unique to the run.
                if (!QemuImg.snapshots(disk).contains(name)) {
                    QemuImg.snapshot(disk, name);
                }
            }
            return result(name, disks);
        });
    }

    private JsonNode revert(Call call) throws PrimitiveException, InterruptedException {
        List<Path> disks = disks(call);
        String name = CallSupport.text(call, "name");
        return mutate(call, NOTHING, (session, intent) -> {
            // A resumed call finds the disks it already reverted without their snapshot.
            boolean resumed = intent.path("resumed").asBoolean();
            for (Path disk : disks) {
                if (QemuImg.snapshots(disk).contains(name)) {
                    QemuImg.revert(disk, name);
                    QemuImg.deleteSnapshot(disk, name); // a rollback snapshot has served its purpose
                } else if (!resumed) {
                    throw CallSupport.fail("disk %s has no snapshot '%s' to revert to", disk, name);
                }
            }
            return result(name, disks);
        });
    }

    private JsonNode deleteSnapshot(Call call) throws PrimitiveException, InterruptedException {
        List<Path> disks = disks(call);
        String name = CallSupport.text(call, "name");
        return mutate(call, NOTHING, (session, intent) -> {
            for (Path disk : disks) {
                if (QemuImg.snapshots(disk).contains(name)) {
                    QemuImg.deleteSnapshot(disk, name);
                }
            }
            return result(name, disks);
        });
    }

    @Override
    Observation settle(Call call, Session session, JsonNode intent) throws PrimitiveException, InterruptedException {
        List<Path> disks = disks(call);
        String name = CallSupport.text(call, "name");
        boolean taken = true;
        boolean gone = true;
        for (Path disk : disks) {
            boolean has = QemuImg.snapshots(disk).contains(name);
            taken &= has;
            gone &= !has;
        }
        return done.after(taken, gone) ? new Observation.Applied(result(name, disks)) : new Observation.NotApplied();
    }

    private static JsonNode readiness(Call call) throws PrimitiveException, InterruptedException {
        for (Path disk : disks(call)) {
            if (!Files.exists(disk)) {
                return notReady("disk " + disk + " does not exist");
            }
            String format = QemuImg.format(disk);
            if (!"qcow2".equals(format)) {
                return notReady("disk " + disk + " is " + format + ", not qcow2");
            }
            // -U: the controller VM may hold the replica open while it receives replication.
            ProgramOutput check = QemuImg.run(List.of("check", "-U", disk.toString()));
            if (check.exit() != 0) {
                String why = check.err().isEmpty() ? check.out() : check.err();
                return notReady("disk " + disk + " is not consistent: " + why.lines().findFirst().orElse(""));
            }
        }
        return object().put("ready", true).put("reason", "");
    }

    private static JsonNode notReady(String reason) {
        return object().put("ready", false).put("reason", reason);
    }

    private static List<Path> disks(Call call) throws PrimitiveException {
        return CallSupport.texts(call, "disks").stream().map(Path::of).toList();
    }

    private static ObjectNode result(String name, List<Path> disks) {
        ObjectNode out = object().put("name", name);
        disks.forEach(d -> out.withArrayProperty("disks").add(d.toString()));
        return out;
    }
}
