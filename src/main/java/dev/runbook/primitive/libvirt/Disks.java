package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.PrimitiveException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage family on qcow2 replica disks: rollback snapshots, their revert and deletion, all by
 * {@code qemu-img}, and the readiness probe. A snapshot stores the disk's content inside the image, so
 * after a revert {@code qemu-img compare} against a copy taken before the run reports them identical.
 */
final class Disks extends LibvirtPrimitive {

    Disks(String name) {
        super(name);
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return switch (spec().name()) {
            case "storage.snapshot" -> snapshot(call);
            case "storage.revert" -> revert(call);
            case "storage.delete-snapshot" -> deleteSnapshot(call);
            case "storage.readiness" -> readiness(call);
            default -> throw new IllegalStateException("primitive '" + spec().name() + "' is not a storage one");
        };
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
        boolean done = switch (spec().name()) {
            case "storage.snapshot" -> taken;
            case "storage.revert", "storage.delete-snapshot" -> gone;
            default -> false;
        };
        return done ? new Observation.Applied(result(name, disks)) : new Observation.NotApplied();
    }

    private JsonNode readiness(Call call) throws PrimitiveException, InterruptedException {
        for (Path disk : disks(call)) {
            if (!Files.exists(disk)) {
                return notReady("disk " + disk + " does not exist");
            }
            String format = QemuImg.format(disk);
            if (!"qcow2".equals(format)) {
                return notReady("disk " + disk + " is " + format + ", not qcow2");
            }
            // -U: the controller VM may hold the replica open while it receives replication.
            QemuImg.Outcome check = QemuImg.run(List.of("check", "-U", disk.toString()));
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
