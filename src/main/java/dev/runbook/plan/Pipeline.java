package dev.runbook.plan;

import dev.runbook.check.Checker;
import dev.runbook.check.InventoryChecker;
import dev.runbook.expr.Expressions;
import dev.runbook.load.Loaded;
import dev.runbook.load.Loader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Inventory;
import dev.runbook.model.RecoveryPlan;
import dev.runbook.model.Runbook;
import dev.runbook.primitive.Catalog;
import dev.runbook.template.Templates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Chains the stages: load, check, plan. Each stops the chain when it reports errors. */
public final class Pipeline implements AutoCloseable {

    private final Catalog catalog = Catalog.standard();
    private Expressions expressions;

    /** The pipeline's expression sandbox, opened on first use. */
    public Expressions expressions() {
        if (expressions == null) {
            expressions = new Expressions();
        }
        return expressions;
    }

    public static Templates templatesFor(Path runbook, Path override) {
        return Templates.forRunbook(runbook, override);
    }

    public Loaded<Runbook> runbook(Path file, Path templatesDir) {
        Loaded<Runbook> loaded = Loader.runbook(file);
        if (loaded.value().isEmpty()) {
            return loaded;
        }
        List<Diagnostic> all = new ArrayList<>(loaded.diagnostics());
        all.addAll(new Checker(catalog, expressions()).check(loaded.value().get(), templatesFor(file, templatesDir)));
        boolean errors = all.stream().anyMatch(Diagnostic::isError);
        return new Loaded<>(errors ? Optional.empty() : loaded.value(), all);
    }

    public Loaded<Inventory> inventory(Path file) {
        String digest = digestOf(file);
        if (digest != null && lastInventory != null && lastInventory.file().equals(file)
                && lastInventory.digest().equals(digest)) {
            return lastInventory.loaded();
        }
        Loaded<Inventory> loaded = Loader.inventory(file);
        if (loaded.value().isEmpty()) {
            return loaded;
        }
        List<Diagnostic> all = new ArrayList<>(loaded.diagnostics());
        all.addAll(InventoryChecker.check(loaded.value().get()));
        boolean errors = all.stream().anyMatch(Diagnostic::isError);
        Loaded<Inventory> checked = new Loaded<>(errors ? Optional.empty() : loaded.value(), all);
        // Kept only when what was parsed is what was digested (nobody replaced the file in between).
        if (digest != null && loaded.value().get().document().sha256().equals(digest)) {
            lastInventory = new Kept(file, digest, checked);
        }
        return checked;
    }

    /**
     * The inventory this pipeline last loaded and checked, with its file and the digest of its text: a
     * long-lived pipeline (a server planning on request, a plan of many VMs planned again) parses and checks
     * a file again only when its text changed. Read again and digested on every use all the same.
     */
    private record Kept(Path file, String digest, Loaded<Inventory> loaded) {
    }

    private Kept lastInventory;

    private static String digestOf(Path file) {
        try {
            return dev.runbook.model.Hashes.sha256(dev.runbook.load.BoundedFile.read(file));
        } catch (dev.runbook.load.BoundedFile.Refused | RuntimeException e) {
            return null; // the load that follows reports it
        }
    }

    /** Every stage up to the plan; diagnostics of all stages that ran. */
    public Loaded<Plan> plan(Path runbookFile, Path inventoryFile, Planner.Request request, Path templatesDir) {
        Loaded<Runbook> runbook = runbook(runbookFile, templatesDir);
        Loaded<Inventory> inventory = inventory(inventoryFile);
        List<Diagnostic> all = new ArrayList<>(runbook.diagnostics());
        all.addAll(inventory.diagnostics());
        if (runbook.value().isEmpty() || inventory.value().isEmpty()) {
            return new Loaded<>(Optional.empty(), all);
        }
        Planner planner = new Planner(catalog, expressions(), templatesFor(runbookFile, templatesDir));
        Loaded<Plan> plan = planner.plan(runbook.value().get(), inventory.value().get(), request);
        all.addAll(plan.diagnostics());
        return new Loaded<>(plan.value(), all);
    }

    /**
     * A recovery plan bound to an inventory, every VM planned with its runbook (found beside the plan, else
     * in {@code shippedRunbooks}); diagnostics of all stages that ran.
     */
    public Loaded<SitePlan> recoveryPlan(Path planFile, Path inventoryFile, Path shippedRunbooks, Path templatesDir) {
        Loaded<RecoveryPlan> plan = Loader.recoveryPlan(planFile);
        Loaded<Inventory> inventory = inventory(inventoryFile);
        List<Diagnostic> all = new ArrayList<>(plan.diagnostics());
        all.addAll(inventory.diagnostics());
        if (plan.value().isEmpty() || inventory.value().isEmpty()) {
            return new Loaded<>(Optional.empty(), all);
        }
        Loaded<SitePlan> planned = new SitePlanner(catalog, expressions(), shippedRunbooks, templatesDir)
                .plan(plan.value().get(), inventory.value().get());
        all.addAll(planned.diagnostics());
        return new Loaded<>(planned.value(), all);
    }

    public Catalog catalog() {
        return catalog;
    }

    @Override
    public void close() {
        if (expressions != null) {
            expressions.close();
        }
    }
}
