package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import dev.runbook.app.Shipped;
import dev.runbook.demo.DemoGuest;
import dev.runbook.demo.DemoSite;
import dev.runbook.exec.Journal;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.demo.DemoCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runbook demo}: builds a demo site in a fresh folder and walks a test failover and its rollback
 * on it with the same commands an operator types, then proves the rollback restored the replica disks.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoCommand.Init.class,
        description = "Build a demo site (libvirt test driver, qcow2 disks) in a fresh folder, then run prechecks, "
                + "a test failover of one VM, status and rollback on it, and verify the replicas with qemu-img compare.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to build the site (default: a new temporary folder).")
    Path dir;

    @Option(names = "--vm", paramLabel = "NAME", defaultValue = "app02",
            description = "The VM to fail over (default: ${DEFAULT-VALUE}).")
    String vm;

    @Option(names = "--runbooks", paramLabel = "DIR",
            description = "The folder of the shipped runbooks (default: those installed with runbook).")
    Path runbooks;

    @Option(names = "--real",
            description = "Recover a real Debian guest instead: a planned failover on qemu:///system (as root; libvirtd and "
                    + "QEMU under TCG), the guest booted from its adapted replica and reporting its remediation, then "
                    + "rollback, verified; a few minutes, more on first use while its disk is built.")
    boolean real;

    @Option(names = "--plan",
            description = "Recover the shop instead of one VM: the shipped three-tier recovery plan "
                    + "(recovery-plans/shop-test.yaml: db01, then app02, then web01), its tree, web01 rolled back alone, "
                    + "then the rest of the plan in reverse tier order, every replica verified.")
    boolean plan;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path folder = runbooks != null ? runbooks : Shipped.runbooks();
        if (real) {
            return RealDemo.run(folder, dir, out, err);
        }
        if (plan) {
            return PlanDemo.run(folder, dir, out, err);
        }
        Path testFailover = folder.resolve("test-failover.yaml");
        if (!Files.isRegularFile(testFailover)) {
            err.println("runbook: " + testFailover + " not found; name the shipped runbooks' folder with --runbooks DIR");
            return ExitCodes.INVALID;
        }
        if (!DemoSite.vmNames().contains(vm)) {
            err.println("runbook: the demo site has no VM " + vm + "; it has " + String.join(", ", DemoSite.vmNames()));
            return ExitCodes.INVALID;
        }
        Path where = dir != null ? dir : Files.createTempDirectory("runbook-demo-");
        DemoSite.Made made;
        DemoCheck check;
        try {
            made = site(where, out);
            check = DemoCheck.before(made.recoverySite(), made.inventory(), vm, where.resolve("before"));
        } catch (IllegalArgumentException | PrimitiveException e) {
            return cannotBuild(e, err);
        }
        String journal = where.resolve("journal.db").toString();
        String inventory = made.inventory().toString();
        out.println("   copies of " + vm + "'s replicas taken for the final comparison, in " + where.resolve("before"));

        out.println();
        out.println("== 2. test failover of " + vm + ": prechecks, then every step, journaled");
        int code;
        // The test driver boots nothing: the demo guest plays a Linux guest's first boot when one is staged.
        try (DemoGuest guest = DemoGuest.start(where, made.recoverySite(), out)) {
            code = step(out, err, "run", testFailover.toString(), "-i", inventory, "--vm", vm, "--journal", journal);
        }
        if (code != ExitCodes.OK) {
            return code;
        }
        String runId = lastRun(Path.of(journal));

        out.println();
        out.println("== 3. status: the VM is rollback-eligible (test-failover-active)");
        step(out, err, "status", runId, "--journal", journal);

        out.println();
        out.println("== 4. rollback: the recorded compensations, in reverse order");
        code = step(out, err, "rollback", runId, "--journal", journal);
        if (code != ExitCodes.OK) {
            return code;
        }
        step(out, err, "status", "--journal", journal);

        out.println();
        out.println("== 5. verification");
        try {
            List<String> failures = new ArrayList<>();
            for (DemoCheck.Finding f : check.after()) {
                out.println("   " + (f.ok() ? "ok   " : "FAIL ") + f.text());
                if (!f.ok()) {
                    failures.add(f.text());
                }
            }
            if (!failures.isEmpty()) {
                err.println("runbook: the rollback did not restore " + vm + ": " + String.join("; ", failures));
                return ExitCodes.INTERNAL;
            }
        } catch (PrimitiveException e) {
            err.println("runbook: verification failed: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        out.println();
        out.println("The site stays in " + where + "; try `runbook run " + folder.resolve("planned-failover.yaml") + " -i "
                + inventory + " --vm " + vm + " --journal " + journal + "`.");
        return ExitCodes.OK;
    }

    /** Step 1 of a demo: the site built in {@code where}, what it holds shown. */
    static DemoSite.Made site(Path where, PrintWriter out) throws IOException, PrimitiveException, InterruptedException {
        out.println("== 1. demo site in " + where);
        DemoSite.Made made = DemoSite.init(where);
        made.lines().forEach(l -> out.println("   " + l));
        return made;
    }

    /** Why the demo site could not be built, said once; the exit code for it. */
    static int cannotBuild(Exception e, PrintWriter err) {
        if (e instanceof IllegalArgumentException) {
            err.println("runbook: " + e.getMessage());
            return ExitCodes.INVALID;
        }
        err.println("runbook: the demo site cannot be built: " + e.getMessage());
        return ExitCodes.INTERNAL;
    }

    static int step(PrintWriter out, PrintWriter err, String... args) {
        out.println("$ runbook " + String.join(" ", args));
        out.flush();
        int code = Main.execute(args, out, err);
        out.flush();
        err.flush();
        return code;
    }

    static String lastRun(Path journal) {
        try (Journal j = SqliteJournal.open(journal)) {
            return j.runs().stream().max(Comparator.comparing(RunRecord::startedAt)).orElseThrow().id();
        }
    }

    /** {@code runbook demo init DIR}: only builds the site. */
    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Build a demo site in DIR (new or empty): protected and recovery sites as libvirt test-driver "
                    + "node files, three VMs with controller VMs, networks, qcow2 disks with content, replication "
                    + "state, and DIR/inventory.yaml.")
    static final class Init implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The folder to build the site in.")
        Path dir;

        @Option(names = "--vms", paramLabel = "N", defaultValue = "4",
                description = "How many protected VMs (default: ${DEFAULT-VALUE}, the named ones): beyond those, generated "
                        + "Linux VMs s0005, s0006, ... in tiers by label, and DIR/recovery-plan.yaml recovering them.")
        int vms;

        @Override
        public Integer call() throws IOException, InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                DemoSite.Made made = DemoSite.init(dir, vms);
                out.println("demo site in " + made.dir());
                made.lines().forEach(l -> out.println("  " + l));
                return ExitCodes.OK;
            } catch (IllegalArgumentException e) {
                err.println("runbook: " + e.getMessage());
                return ExitCodes.INVALID;
            } catch (PrimitiveException e) {
                err.println("runbook: the demo site cannot be built: " + e.getMessage());
                return ExitCodes.INTERNAL;
            }
        }
    }
}
