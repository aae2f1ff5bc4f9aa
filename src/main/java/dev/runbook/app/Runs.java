package dev.runbook.app;

import dev.runbook.exec.Engine;
import dev.runbook.exec.Journal;
import dev.runbook.exec.LifecycleRecord;
import dev.runbook.exec.Options;
import dev.runbook.exec.Provenance;
import dev.runbook.exec.RecoveryRun;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunState;
import dev.runbook.exec.RunView;
import dev.runbook.exec.SiteBounds;
import dev.runbook.exec.StepState;
import dev.runbook.expr.Expressions;
import dev.runbook.model.Operation;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import dev.runbook.plan.SitePlan;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The operations on runs that both front ends offer: start, resume, and the operator's decision
 * (commit or rollback). The CLI and the server call these and only show what they return.
 */
public final class Runs {

    /** Who decides, as recorded: a name, never anything a terminal or a log would interpret. */
    private static final java.util.regex.Pattern BY = java.util.regex.Pattern.compile("[\\p{L}\\p{N}._@+ -]{1,64}");

    private final Journal journal;
    private final Path journalFile;
    private final UnaryOperator<Primitive> through;

    /** Runs on {@code journal}, kept in {@code journalFile} (named in messages; its folder holds driver locks). */
    public Runs(Journal journal, Path journalFile) {
        this(journal, journalFile, UnaryOperator.identity());
    }

    private Runs(Journal journal, Path journalFile, UnaryOperator<Primitive> through) {
        this.journal = journal;
        this.journalFile = journalFile;
        this.through = through;
    }

    /**
     * These runs with every site primitive reached through {@code decorate}: what stands between the engine
     * and a site (a slow link, a fault) without changing either.
     */
    public Runs through(UnaryOperator<Primitive> decorate) {
        return new Runs(journal, journalFile, decorate);
    }

    /** The engine for a plan: its sites' primitives over this journal. */
    public Engine engine(Plan plan, Expressions expressions, Duration runTimeout) throws PrimitiveException {
        return engine(plan, expressions, runTimeout, null);
    }

    /** The engine for a plan, whose runs record {@code by} as who started them (this user when null). */
    private Engine engine(Plan plan, Expressions expressions, Duration runTimeout, String by) throws PrimitiveException {
        return engine(plan, expressions, runTimeout, by, through);
    }

    private Engine engine(Plan plan, Expressions expressions, Duration runTimeout, String by,
                          UnaryOperator<Primitive> through) throws PrimitiveException {
        return new Engine(journal, SiteAdapters.forBindings(plan.bindings()).map(through),
                Options.defaults(drivers()).withRunTimeout(runTimeout).actingAs(by), expressions,
                SiteAdapters.ownership(plan.bindings()));
    }

    /** Per-run driver lock files, beside the journal. */
    private Path drivers() {
        return journalFile.toAbsolutePath().getParent().resolve("drivers");
    }

    /** Where a run's plan came from, with the runbook's git commit. */
    public static Engine.Launch launch(Path runbook, Path inventory, String parent) {
        return new Engine.Launch(runbook.toAbsolutePath().normalize().toString(),
                inventory.toAbsolutePath().normalize().toString(), Provenance.gitCommit(runbook), parent);
    }

    /**
     * Starts a planned run and drives it to its end or its decision point; {@code admitted} hears the
     * run's id as soon as it is recorded.
     */
    public Ended start(Plan plan, Path runbook, Path inventory, Expressions expressions, Duration runTimeout,
                         Consumer<String> admitted) {
        try {
            Engine engine = engine(plan, expressions, runTimeout);
            return new Ended.Ran(engine.start(plan, launch(runbook, inventory, null), admitted));
        } catch (PrimitiveException e) {
            return new Ended.Invalid(e.getMessage());
        }
    }

    /**
     * Starts a recovery plan: admitted whole or refused, every VM's prechecks first, then the VMs tier by tier;
     * {@code admitted} hears the plan run's id as soon as it is recorded.
     */
    public Ended startPlan(SitePlan plan, Path planFile, Path inventory, Expressions expressions, boolean onlyReady,
                           Consumer<String> admitted, Reporter reporter) {
        // Many VMs share a runbook: each file's git commit is asked once.
        Map<String, Engine.Launch> byRunbook = new java.util.HashMap<>();
        Map<String, Engine.Launch> launches = new java.util.HashMap<>();
        for (SitePlan.Vm vm : plan.vms()) {
            launches.put(vm.vm(), byRunbook.computeIfAbsent(vm.runbookFile(),
                    f -> launch(Path.of(f), inventory, null)));
        }
        try {
            RecoveryRun run = recoveryRun(plan, expressions, reporter);
            return new Ended.Ran(run.start(launch(planFile, inventory, null), launches, onlyReady, admitted));
        } catch (PrimitiveException e) {
            return new Ended.Invalid(e.getMessage());
        }
    }

    /** A recovery plan run over this journal: an engine per VM for its sites, gates and rollbacks as planned. */
    private RecoveryRun recoveryRun(SitePlan plan, Expressions expressions, Reporter reporter) throws PrimitiveException {
        Map<String, Engine> engines = new java.util.HashMap<>();
        SiteBounds bounds = new SiteBounds(plan);
        for (SitePlan.Vm vm : plan.vms()) {
            UnaryOperator<Primitive> around = bounds.around(vm);
            engines.put(vm.vm(), engine(vm.plan(), expressions, null, null, p -> around.apply(through.apply(p))));
        }
        return new RecoveryRun(journal, plan, vm -> engines.get(vm.vm()), bounds,
                new Readiness(journal, expressions, this, reporter), Options.defaults(drivers()));
    }

    /** Continues a recovery plan run whose driver stopped; see {@link RecoveryRun#resume}. */
    private Ended resumePlan(RunRecord planRun, Reporter reporter) {
        SitePlan plan;
        try {
            plan = PLANS.readValue(planRun.plan(), SitePlan.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return new Ended.Invalid("recovery plan run " + planRun.id() + " has a recorded plan this version cannot "
                    + "read: " + e.getOriginalMessage());
        }
        try (Pipeline pipeline = new Pipeline()) {
            return new Ended.Ran(recoveryRun(plan, pipeline.expressions(), reporter).resume(planRun.id()));
        } catch (PrimitiveException e) {
            return new Ended.Invalid(e.getMessage());
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper PLANS = new com.fasterxml.jackson.databind.ObjectMapper();

    /** True when the run recovers a plan of many VMs rather than one VM. */
    public static boolean recoveryPlan(RunRecord r) {
        return r.vm().startsWith("plan:");
    }

    /** The VM runs of a recovery plan run, tier by tier as planned, without their plans. */
    public List<RunRecord> children(RunRecord planRun) {
        Map<String, Integer> order = new java.util.HashMap<>();
        try {
            SitePlan plan = PLANS.readValue(planRun.plan(), SitePlan.class);
            List<SitePlan.Vm> vms = plan.vms();
            for (int i = 0; i < vms.size(); i++) {
                order.put(vms.get(i).vm(), i);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Unordered then: the journal's order.
        }
        return journal.children(planRun.id()).stream()
                .sorted(java.util.Comparator.comparing(r -> order.getOrDefault(r.vm(), Integer.MAX_VALUE))).toList();
    }

    /**
     * The operator's decision on a recovery plan run: every VM awaiting a decision (or {@code vms} only),
     * committed in tier order or rolled back in reverse tier order; each VM as {@link #decide} would.
     */
    private Ended decidePlan(RunRecord planRun, Operation.Outcome outcome, List<String> vms, String by, boolean acceptGate,
                             Reporter reporter) {
        List<RunRecord> children = new java.util.ArrayList<>(children(planRun));
        if (outcome == Operation.Outcome.ROLLBACK) {
            java.util.Collections.reverse(children);
        }
        Operation wanted = outcome == Operation.Outcome.COMMIT ? Operation.COMMIT : Operation.ROLLBACK;
        List<String> lines = new java.util.ArrayList<>();
        int worst = ExitCodes.OK;
        int decided = 0;
        for (RunRecord child : children) {
            if (!vms.isEmpty() && !vms.contains(child.vm())) {
                continue;
            }
            LifecycleRecord life = journal.lifecycle(child.vm());
            boolean open = child.id().equals(life.runId()) && wanted.from().stream().anyMatch(s -> s.id().equals(life.state()));
            if (!open) {
                if (!vms.isEmpty()) {
                    lines.add(child.vm() + ": nothing to " + outcome.id() + " (" + life.state() + ")");
                    worst = Math.max(worst, ExitCodes.REFUSED);
                }
                continue;
            }
            Ended ended = decide(child.id(), outcome, by, null, acceptGate, reporter);
            decided++;
            lines.add(child.vm() + ": " + firstLine(ended.message()));
            if (ended.exitCode() != ExitCodes.OK) {
                worst = worst == ExitCodes.OK ? ended.exitCode() : worst;
            }
        }
        for (String vm : vms) {
            if (children.stream().noneMatch(c -> c.vm().equals(vm))) {
                return new Ended.Invalid("recovery plan run " + planRun.id() + " has no VM '" + vm + "'");
            }
        }
        if (decided == 0 && vms.isEmpty()) {
            return new Ended.Refused("no VM of recovery plan run " + planRun.id() + " awaits a " + outcome.id());
        }
        boolean allClosed = children(planRun).stream().noneMatch(c -> {
            LifecycleRecord life = journal.lifecycle(c.vm());
            return c.id().equals(life.runId()) && !life.state().equals("committed")
                    && (Operation.ROLLBACK.from().stream().anyMatch(s -> s.id().equals(life.state())));
        });
        String message = (outcome == Operation.Outcome.COMMIT ? "committed" : "rolled back") + " " + decided
                + " VM" + (decided == 1 ? "" : "s") + " of recovery plan run " + planRun.id() + ":\n  "
                + String.join("\n  ", lines);
        if (allClosed && worst == ExitCodes.OK) {
            RunState end = outcome == Operation.Outcome.COMMIT ? RunState.COMMITTED : RunState.ROLLED_BACK;
            journal.write(List.of(dev.runbook.exec.Entry.of(planRun.id(), dev.runbook.exec.Entry.Kind.RUN, null,
                    end.id(), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                            .put("message", message))));
            return new Ended.Ran(new Result(planRun.id(), end, message));
        }
        return worst == ExitCodes.OK ? new Ended.Ran(new Result(planRun.id(), RunState.AWAITING_DECISION, message))
                : new Ended.Refused(message);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    private Ended.Invalid noSuchRun(String runId) {
        return new Ended.Invalid("there is no run " + runId + " in " + journalFile + "; `runbook status` lists runs");
    }

    /**
     * Continues an interrupted run from its journal; applies a decision's timeout past its deadline;
     * starts the commit or rollback of a decision whose run never started.
     */
    public Ended resume(String runId, Reporter reporter) {
        Optional<RunRecord> found = journal.run(runId);
        if (found.isEmpty()) {
            return noSuchRun(runId);
        }
        RunRecord r = found.get();
        if (recoveryPlan(r)) {
            return resumePlan(r, reporter);
        }
        try (Pipeline pipeline = new Pipeline()) {
            Engine engine = engine(Engine.plan(r), pipeline.expressions(), null);
            Optional<Operation.Outcome> decided = decidedNotContinued(r);
            boolean awaiting = r.state().equals(RunState.AWAITING_DECISION.id());
            if (decided.isPresent() && awaiting) {
                return continueDecided(decided.get(), r, reporter);
            }
            if (awaiting) {
                if (!deadlinePassed(r)) {
                    return new Ended.Unchanged("run " + runId + " awaits a decision: `runbook commit " + runId
                            + "` or `runbook rollback " + runId + "`");
                }
                return windowPassed(r, engine, reporter);
            }
            Result result = engine.resume(runId);
            if (Ended.exitCode(result) == ExitCodes.OK && decided.isPresent()) {
                reporter.ended(result);
                return continueDecided(decided.get(), journal.run(runId).orElseThrow(), reporter);
            }
            return new Ended.Ran(result);
        } catch (PrimitiveException e) {
            return new Ended.Invalid(e.getMessage());
        }
    }

    /** What the window's policy does to a run whose decision window passed: a rollback, or a reminder. */
    private Ended windowPassed(RunRecord r, Engine engine, Reporter reporter) {
        Engine.Decided d = engine.windowPassed(r.id());
        if (d.reminded()) {
            return new Ended.Unchanged(d.reason());
        }
        if (d.result().refused()) {
            return new Ended.Ran(d.result());
        }
        reporter.info("decision window passed: " + d.reason());
        return continueWith(d.outcome(), r, null, "timeout", reporter);
    }

    /**
     * Acts on every run whose decision window has passed (a server's timer): rolls back where the policy
     * says so, else records a reminder once. An operator's decision recorded first always stands.
     */
    public void actOnPassedWindows(Reporter reporter) {
        // Runs are listed without their plans (a recovery plan of many VMs holds megabytes of them, and this
        // runs every few seconds); only those awaiting a decision are read whole.
        for (RunRecord listed : journal.runsWithoutPlans()) {
            if (!listed.state().equals(RunState.AWAITING_DECISION.id())) {
                continue;
            }
            RunRecord r = journal.run(listed.id()).orElse(null);
            if (r == null || !r.state().equals(RunState.AWAITING_DECISION.id()) || !deadlinePassed(r)
                    || RunView.of(journal, r.id()).reminded()) {
                continue;
            }
            try (Pipeline pipeline = new Pipeline()) {
                reporter.ended(switch (windowPassed(r, engine(Engine.plan(r), pipeline.expressions(), null), reporter)) {
                    case Ended.Ran ran -> ran.result();
                    case Ended.Unchanged u -> new Result(r.id(), RunState.AWAITING_DECISION, u.message());
                    case Ended.Refused refused -> Result.refused(refused.message());
                    case Ended.Invalid invalid -> Result.refused(invalid.message());
                });
            } catch (PrimitiveException e) {
                reporter.problem("run " + r.id() + ": " + e.getMessage());
            }
        }
    }

    /**
     * The operator's decision on a run awaiting one, recorded exactly as asked, then the commit or rollback
     * runbook runs ({@code runbook} overrides it). A commit the decision's commitWhen gate does not allow
     * is refused unless {@code acceptGate}.
     */
    public Ended decide(String runId, Operation.Outcome requested, String by, Path runbook, boolean acceptGate,
                        Reporter reporter) {
        return decide(runId, requested, List.of(), by, runbook, acceptGate, reporter);
    }

    /** Like {@link #decide(String, Operation.Outcome, String, Path, boolean, Reporter)}; {@code vms} picks VMs of a recovery plan run. */
    public Ended decide(String runId, Operation.Outcome requested, List<String> vms, String by, Path runbook,
                        boolean acceptGate, Reporter reporter) {
        if (by != null && !BY.matcher(by).matches()) {
            return new Ended.Invalid("'by' must name who decides in 1 to 64 letters, digits, spaces or . _ @ + -");
        }
        Optional<RunRecord> found = journal.run(runId);
        if (found.isEmpty()) {
            return noSuchRun(runId);
        }
        RunRecord r = found.get();
        if (recoveryPlan(r)) {
            return decidePlan(r, requested, vms, by, acceptGate, reporter);
        }
        if (!vms.isEmpty()) {
            return new Ended.Invalid("run " + runId + " recovers one VM; --vm picks VMs of a recovery plan run");
        }
        Operation wanted = requested == Operation.Outcome.COMMIT ? Operation.COMMIT : Operation.ROLLBACK;
        LifecycleRecord life = journal.lifecycle(r.vm());
        boolean allowed = wanted.from().stream().anyMatch(s -> s.id().equals(life.state()));
        if (!allowed || (life.runId() != null && !life.runId().equals(runId))) {
            return new Ended.Refused(refusal(wanted, r, life));
        }
        Operation.Outcome outcome = requested;
        if (r.state().equals(RunState.AWAITING_DECISION.id())) {
            try (Pipeline pipeline = new Pipeline()) {
                Engine engine = engine(Engine.plan(r), pipeline.expressions(), null);
                Engine.Decided d = engine.decide(runId, requested, by != null ? by : Options.whoAmI(), acceptGate);
                if (d.result().refused()) {
                    return new Ended.Refused(d.reason());
                }
                outcome = d.outcome();
                if (outcome == Operation.Outcome.COMMIT && d.result().state() != RunState.COMPLETED) {
                    return new Ended.Ran(d.result());
                }
            } catch (PrimitiveException e) {
                return new Ended.Invalid(e.getMessage());
            }
        }
        return continueWith(outcome, r, runbook, by, reporter);
    }

    private static String refusal(Operation wanted, RunRecord r, LifecycleRecord life) {
        boolean allowed = wanted.from().stream().anyMatch(s -> s.id().equals(life.state()));
        if (allowed) {
            return r.vm() + " is " + life.state() + " because of run " + life.runId() + ", not run " + r.id();
        }
        if (wanted == Operation.ROLLBACK && life.state().equals("committed")) {
            return r.vm() + " was committed by run " + life.runId() + "; commit is final, so normal rollback is no"
                    + " longer available; move production back with a failback: reprotect it (runbooks/reprotect.yaml),"
                    + " then fail back";
        }
        if (wanted == Operation.COMMIT && life.state().equals("test-failover-active")) {
            return r.vm() + " is test-failover-active: a test failover is never committed; roll it back with"
                    + " `runbook rollback " + r.id() + "`";
        }
        return wanted.id() + " is only possible while " + r.vm() + " is "
                + String.join(" or ", wanted.from().stream().map(s -> s.id()).toList()) + "; it is " + life.state()
                + " (run " + r.id() + " is " + r.state() + ")";
    }

    private Ended continueDecided(Operation.Outcome outcome, RunRecord r, Reporter reporter) {
        reporter.info("run " + r.id() + " was decided " + outcome + ", but its " + outcome
                + " never started: starting it");
        return continueWith(outcome, r, null, null, reporter);
    }

    /**
     * The outcome decided on run {@code r} when the run that performs it never started (its command was
     * cut off in between): the VM is still in the decided run's hands and no run continues it.
     */
    private Optional<Operation.Outcome> decidedNotContinued(RunRecord r) {
        Optional<Operation.Outcome> outcome = RunView.of(journal, r.id()).decision()
                .flatMap(d -> Operation.Outcome.byId(d.path("outcome").asText()));
        if (outcome.isEmpty() || journal.runsWithoutPlans().stream().anyMatch(o -> r.id().equals(o.parent()))) {
            return Optional.empty();
        }
        LifecycleRecord life = journal.lifecycle(r.vm());
        Operation performs = outcome.get() == Operation.Outcome.COMMIT ? Operation.COMMIT : Operation.ROLLBACK;
        boolean held = r.id().equals(life.runId()) && performs.from().stream().anyMatch(s -> s.id().equals(life.state()));
        return held ? outcome : Optional.empty();
    }

    private boolean deadlinePassed(RunRecord r) {
        return RunView.of(journal, r.id()).steps().values().stream()
                .filter(i -> StepState.of(i.state()) == StepState.AWAITING_DECISION && i.last() != null
                        && i.last().has("deadline"))
                .anyMatch(i -> Instant.now().isAfter(Instant.parse(i.last().get("deadline").asText())));
    }

    /**
     * The runbook beside the decided run's own that performs the outcome: {@code <operation>-<outcome>.yaml}
     * when there is one (a failback's commit differs from a failover's), else {@code <outcome>.yaml}.
     */
    static Path decisionRunbook(Operation.Outcome outcome, RunRecord decided) {
        Path beside = Path.of(decided.runbookFile());
        Path specific = beside.resolveSibling(decided.operation() + "-" + outcome.id() + ".yaml");
        return Files.isRegularFile(specific) ? specific : beside.resolveSibling(outcome.id() + ".yaml");
    }

    /** Plans and runs the commit or rollback runbook that continues a decided run. */
    private Ended continueWith(Operation.Outcome outcome, RunRecord decided, Path runbookOverride, String by,
                               Reporter reporter) {
        Path runbook = runbookOverride != null ? runbookOverride : decisionRunbook(outcome, decided);
        Path inventory = Path.of(decided.inventoryFile());
        if (!Files.isRegularFile(runbook)) {
            return new Ended.Invalid(runbook + ": no such runbook; name one with --runbook");
        }
        try (Pipeline pipeline = new Pipeline()) {
            var loaded = pipeline.plan(runbook, inventory,
                    new Planner.Request(decided.vm(), Map.of("failoverRun", decided.id())), null);
            reporter.diagnostics(loaded.diagnostics());
            if (loaded.hasErrors() || loaded.value().isEmpty()) {
                return new Ended.Invalid(runbook + " does not plan for " + decided.vm());
            }
            Plan plan = loaded.value().get();
            if (!plan.operation().equals(outcome.id())) {
                return new Ended.Invalid(runbook + " performs " + plan.operation() + ", not " + outcome.id());
            }
            Result r = engine(plan, pipeline.expressions(), null, by).start(plan, launch(runbook, inventory, decided.id()));
            Optional<RunRecord> after = journal.run(decided.id());
            if (Ended.exitCode(r) == ExitCodes.FAILED
                    && after.map(f -> f.state().equals(RunState.COMPENSATION_FAILED.id())).orElse(false)) {
                reporter.ended(r);
                return new Ended.Ran(new Result(decided.id(), RunState.COMPENSATION_FAILED, after.get().message()));
            }
            return new Ended.Ran(r);
        } catch (PrimitiveException e) {
            return new Ended.Invalid(e.getMessage());
        }
    }
}
