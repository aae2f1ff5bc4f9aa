package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.app.SiteAdapters;
import dev.runbook.exec.Journal;
import dev.runbook.exec.Admission;
import dev.runbook.exec.Options;
import dev.runbook.exec.VmLocks;
import dev.runbook.primitive.Ownership;
import dev.runbook.model.Inventory;
import dev.runbook.plan.Pipeline;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.ReplicationDirection;
import dev.runbook.primitive.ReplicationPort;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runbook replication status|sync}: the replication port outside runs, on libvirt sites. Status
 * shows what the prechecks read; sync is what their fix texts ask for (a sync recovers a pending
 * checkpoint), refused while a run holds the VM or a failover holds its replicas.
 */
@Command(name = "replication", mixinStandardHelpOptions = true,
        description = "The replication port outside runs: per-VM direction, export, last sync, checkpoint and "
                + "controller health; run a sync, which also recovers the checkpoint of an interrupted one.",
        subcommands = {ReplicationCommand.Status.class, ReplicationCommand.Sync.class})
final class ReplicationCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: status or sync");
    }

    /** Options both subcommands share: the inventory and which VM. */
    static final class Target {
        @Option(names = {"-i", "--inventory"}, required = true, paramLabel = "FILE", description = "The inventory.")
        Path inventory;

        @Option(names = "--vm", paramLabel = "VM", description = "The protected VM (default for status: every VM).")
        String vm;
    }

    /** A protected VM with its recovery site's port and disk pairs. */
    private record Protected(String name, String controller, ReplicationPort port, List<ReplicationPort.Pair> disks,
                             Ownership ownership) {
    }

    /** The VMs the options name, or empty after printing why. */
    private static Optional<List<Protected>> resolve(Target t, boolean one, PrintWriter err) {
        if (one && t.vm == null) {
            err.println("runbook: name the VM to sync with --vm");
            return Optional.empty();
        }
        try (Pipeline pipeline = new Pipeline()) {
            var loaded = pipeline.inventory(t.inventory);
            if (Report.print(loaded.diagnostics(), err) || loaded.value().isEmpty()) {
                return Optional.empty();
            }
            Inventory inventory = loaded.value().get();
            List<Protected> out = new ArrayList<>();
            for (Inventory.Vm vm : inventory.vms()) {
                if (t.vm != null && !t.vm.equals(vm.name())) {
                    continue;
                }
                ObjectNode entry = SiteAdapters.entry(inventory, vm.recoverySite());
                List<ReplicationPort.Pair> disks = new ArrayList<>();
                for (JsonNode d : vm.json().path("disks")) {
                    disks.add(new ReplicationPort.Pair(Path.of(d.path("source").asText()), Path.of(d.path("replica").asText())));
                }
                out.add(new Protected(vm.name(), vm.json().path("controllerDomain").asText(),
                        SiteAdapters.replication(entry), disks, SiteAdapters.ownership(inventory, vm)));
            }
            if (out.isEmpty()) {
                err.println("runbook: " + t.inventory + ": no protected VM '" + t.vm + "'; it names "
                        + inventory.vms().stream().map(Inventory.Vm::name).toList());
                return Optional.empty();
            }
            return Optional.of(out);
        } catch (PrimitiveException e) {
            err.println("runbook: " + e.getMessage());
            return Optional.empty();
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show each VM's replication: direction, export, last sync and its result, a pending "
                    + "checkpoint, and the controller's state and health.")
    static final class Status implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        Target target = new Target();

        @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
        String output;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Optional<List<Protected>> vms = resolve(target, false, err);
            if (vms.isEmpty()) {
                return ExitCodes.INVALID;
            }
            ArrayNode rows = new ObjectMapper().createArrayNode();
            try {
                for (Protected p : vms.get()) {
                    rows.add(p.port().status(p.name(), p.controller()));
                }
            } catch (PrimitiveException e) {
                err.println("runbook: " + e.getMessage());
                return ExitCodes.INVALID;
            }
            if (output.equals("json")) {
                out.println(rows.toPrettyString());
                return ExitCodes.OK;
            }
            out.printf("%-10s %-9s %-8s %-10s %-12s %-26s %s%n", "VM", "DIRECTION", "EXPORT", "RESULT", "CHECKPOINT",
                    "LAST SYNC", "CONTROLLER");
            for (JsonNode r : rows) {
                out.printf("%-10s %-9s %-8s %-10s %-12s %-26s %s %s (%s)%n", r.path("vm").asText(),
                        r.path("direction").asText(), r.path("export").asText(), r.path("lastResult").asText(),
                        r.path("checkpointPending").asBoolean() ? "pending" : "none",
                        r.path("lastSync").asText().isEmpty() ? "never" : r.path("lastSync").asText(),
                        r.path("controller").asText(), r.path("controllerState").asText(), r.path("health").asText());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "sync", mixinStandardHelpOptions = true,
            description = "Sync a VM in its replication direction (source into replicas; back into the original "
                    + "site's disks after a reprotect). A successful sync recovers a pending checkpoint. Refused "
                    + "while a run holds the VM, or while a failover holds its replicas (export stopped).")
    static final class Sync implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        Target target = new Target();

        @Mixin
        JournalOptions where;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Optional<List<Protected>> vms = resolve(target, true, err);
            if (vms.isEmpty()) {
                return ExitCodes.INVALID;
            }
            Protected p = vms.get().get(0);
            try (Journal journal = where.open()) {
                List<Admission.Refusal> refused = new ArrayList<>();
                Optional<VmLocks.Held> held = new VmLocks(journal, p.ownership()).hold(p.name(), "sync",
                        Options.whoAmI(), refused);
                if (held.isEmpty()) {
                    err.println("runbook: refused: a sync must not change the disks of " + p.name() + " under another "
                            + "operation: " + refused.get(0).message());
                    return ExitCodes.REFUSED;
                }
                try (VmLocks.Held lock = held.get()) {
                    return sync(p, out, err);
                }
            } catch (PrimitiveException e) {
                err.println("runbook: " + e.getMessage());
                return ExitCodes.INVALID;
            }
        }

        /** Syncs a VM whose lock this process holds. */
        private static int sync(Protected p, PrintWriter out, PrintWriter err)
                throws PrimitiveException, InterruptedException {
            JsonNode before = p.port().status(p.name(), p.controller());
            if (before.path("export").asText().isEmpty()) {
                err.println("runbook: " + p.name() + " has no replication entry on its recovery site: the port does "
                        + "not replicate it");
                return ExitCodes.INVALID;
            }
            String direction = before.path("direction").asText();
            if (direction.equals(ReplicationDirection.FORWARD) && !before.path("export").asText().equals("active")) {
                err.println("runbook: refused: the export of " + p.name() + " is " + before.path("export").asText()
                        + ": a failover holds its replicas; roll it back, or reprotect after its commit");
                return ExitCodes.REFUSED;
            }
            try {
                p.port().sync(p.name(), p.disks());
            } catch (PrimitiveException e) {
                err.println("runbook: the sync of " + p.name() + " failed, and a checkpoint is pending until one "
                        + "succeeds: " + e.getMessage());
                return ExitCodes.FAILED;
            }
            JsonNode after = p.port().status(p.name(), p.controller());
            out.println("synced " + p.name() + " " + direction + " (" + p.disks().size() + " disks)"
                    + (before.path("checkpointPending").asBoolean() ? "; the pending checkpoint is recovered" : "")
                    + "; controller " + after.path("health").asText());
            return ExitCodes.OK;
        }
    }
}
