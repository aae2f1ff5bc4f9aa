package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.SiteAdapters;
import dev.runbook.exec.Admission;
import dev.runbook.exec.Journal;
import dev.runbook.exec.Options;
import dev.runbook.exec.VmLocks;
import dev.runbook.model.Inventory;
import dev.runbook.plan.Pipeline;
import dev.runbook.primitive.PrimitiveException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runbook unlock VM --reason TEXT}: the operator's way out when the run that owns a VM is gone for good
 * (its journal lost, its machine dead): removes the VM's ownership record at its sites and its lock in this
 * journal, and journals who did it and why.
 */
@Command(name = "unlock", mixinStandardHelpOptions = true,
        description = "Remove a VM's ownership record at its sites and its lock in this journal, when the run that "
                + "holds them is gone for good; recorded in the journal with who and why. Refused while a process "
                + "of this journal drives the holding run.")
final class UnlockCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VM", description = "The protected VM.")
    String vm;

    @Option(names = {"-i", "--inventory"}, required = true, paramLabel = "FILE", description = "The inventory.")
    Path inventory;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why, as recorded in the journal.")
    String reason;

    @Option(names = "--by", paramLabel = "NAME", description = "Who unlocks (default: user@host).")
    String by;

    @Mixin
    JournalOptions where;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (reason.isBlank()) {
            err.println("runbook: --reason is empty; say why the VM's owner is gone for good");
            return ExitCodes.INVALID;
        }
        try (Pipeline pipeline = new Pipeline(); Journal journal = where.open()) {
            var loaded = pipeline.inventory(inventory);
            if (Report.print(loaded.diagnostics(), err) || loaded.value().isEmpty()) {
                return ExitCodes.INVALID;
            }
            Inventory inv = loaded.value().get();
            Optional<Inventory.Vm> found = inv.vms().stream().filter(v -> v.name().equals(vm)).findFirst();
            if (found.isEmpty()) {
                err.println("runbook: " + inventory + ": no protected VM '" + Printable.text(vm) + "'; it names "
                        + inv.vms().stream().map(Inventory.Vm::name).toList());
                return ExitCodes.INVALID;
            }
            List<Admission.Refusal> refused = new ArrayList<>();
            VmLocks.Unlocked unlocked = new VmLocks(journal, SiteAdapters.ownership(inv, found.get()))
                    .unlock(vm, by == null ? Options.whoAmI() : by, reason, where.drivers(), refused);
            if (!refused.isEmpty()) {
                err.println("runbook: refused: " + refused.get(0).message());
                return ExitCodes.REFUSED;
            }
            out.println(Printable.text("unlocked " + vm + ": "
                    + unlocked.site().map(o -> "the site's record of " + o.describe() + " is removed")
                            .orElse("the sites held no record")
                    + "; " + unlocked.journalHolder().map(r -> "the lock of run " + r + " in this journal is released")
                            .orElse("this journal held no lock")
                    + "; recorded in " + where.file()));
            return ExitCodes.OK;
        } catch (PrimitiveException e) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
    }
}
