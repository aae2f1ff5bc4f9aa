package dev.runbook.exec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.expr.Expressions;
import dev.runbook.model.LifecycleState;
import dev.runbook.model.Operation;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Ownership;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.Primitives;
import dev.runbook.primitive.RunSpecs;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Executes plans against a site's primitives and a journal. It knows primitives only by their
 * interface; it adds three of its own: {@code locks.active} (the journal's locks),
 * {@code failover.undo} (a failover run's compensations, for a rollback run) and {@code run.note} (a
 * message in the run's journal).
 */
public final class Engine implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Journal journal;
    private final Primitives site;
    private final Options options;
    private final Expressions expressions;
    private final SiteOwner owner;

    /**
     * An engine for the plans of one VM's sites.
     *
     * @param ownership the VM's ownership records at its sites (claimed at admission, checked by every
     *                  mutating primitive); null only when the primitives act on no site at all
     */
    public Engine(Journal journal, Primitives site, Options options, Expressions expressions, Ownership ownership) {
        this.journal = journal;
        this.site = site;
        this.options = options;
        this.expressions = expressions;
        this.owner = new SiteOwner(ownership, journal);
    }

    SiteOwner owner() {
        return owner;
    }

    Journal journal() {
        return journal;
    }

    Options options() {
        return options;
    }

    Expressions expressions() {
        return expressions;
    }

    Primitive primitive(String name) throws PrimitiveException {
        return switch (name) {
            case "locks.active" -> locksActive;
            case "failover.undo" -> failoverUndo;
            case "run.note" -> note;
            default -> site.find(name).orElseThrow(() ->
                    new PrimitiveException("this site has no implementation of '" + name + "'"));
        };
    }

    /** Where a run's plan and files came from. */
    public record Launch(String runbookFile, String inventoryFile, String git, String parent) {
    }

    /**
     * Records the run (refused when the VM's lifecycle state or a lock forbids it, with nothing changed),
     * then drives it: prechecks, steps, and the compensations on failure.
     */
    public Result start(Plan plan, Launch launch) {
        return start(plan, launch, id -> { });
    }

    /**
     * Like {@link #start(Plan, Launch)}, telling {@code admitted} the run's id as soon as the run is
     * recorded, before its first precheck: a caller that drives the run in the background answers with it.
     */
    public Result start(Plan plan, Launch launch, java.util.function.Consumer<String> admitted) {
        Operation op = Operation.byId(plan.operation()).orElseThrow();
        Instant now = Instant.now();
        String id = newId(now);
        RunRecord r = new RunRecord(id, launch.parent(), plan.runbook().name(), plan.runbook().version(),
                plan.runbook().sha256(), launch.runbookFile(), launch.git(), plan.inventory().name(),
                plan.inventory().sha256(), launch.inventoryFile(), plan.hash(), json(plan), plan.vm(), op.id(),
                RunState.RUNNING.id(), null, now, now, options.actor(), null);
        Set<String> from = op.from().stream().map(LifecycleState::id).collect(Collectors.toSet());
        try (DriverLock lock = DriverLock.tryTake(options.drivers(), id).orElseThrow()) {
            Optional<Admission.Refusal> refusal = journal.admit(new Admission(r, plan.locks(), from, launch.parent(),
                    owner.claimFor(r)));
            if (refusal.isPresent()) {
                return Result.refused(refusal.get().message());
            }
            admitted.accept(id);
            try {
                return new RunDriver(this, r, plan).drive();
            } catch (JournalException e) {
                throw e.during(id);
            }
        }
    }

    /**
     * The admission of one VM's run of a recovery plan: recorded by {@link Journal#admitAll} together with its
     * siblings, then driven through {@link #precheck} and {@link #resume}. Its id is the plan run's and the VM's.
     */
    public Admission admission(Plan plan, Launch launch, String planRun) {
        Operation op = Operation.byId(plan.operation()).orElseThrow();
        Instant now = Instant.now();
        RunRecord r = new RunRecord(planRun + "." + plan.vm(), null, plan.runbook().name(), plan.runbook().version(),
                plan.runbook().sha256(), launch.runbookFile(), launch.git(), plan.inventory().name(),
                plan.inventory().sha256(), launch.inventoryFile(), plan.hash(), json(plan), plan.vm(), op.id(),
                RunState.RUNNING.id(), null, now, now, options.actor(), planRun);
        Set<String> from = op.from().stream().map(LifecycleState::id).collect(Collectors.toSet());
        return new Admission(r, plan.locks(), from, null, owner.claimFor(r));
    }

    /**
     * Runs the prechecks of an admitted run that has not started; the message of those that block, if any:
     * the run then ends blocked and frees its VM.
     */
    public Optional<String> precheck(String runId) {
        RunRecord r = journal.run(runId).orElseThrow(() -> new IllegalArgumentException("no run " + runId));
        try (DriverLock held = DriverLock.tryTake(options.drivers(), runId).orElseThrow()) {
            return new RunDriver(this, r, plan(r)).precheckOnly();
        } catch (JournalException e) {
            throw e.during(runId);
        }
    }

    /** Ends an admitted run that will not be attempted, saying why, and frees its VM; nothing was changed. */
    public void skip(String runId, String reason) {
        Batch batch = new Batch(journal, runId, owner);
        batch.run(RunState.SKIPPED, reason);
        batch.locks(Locks.RELEASED, null);
        batch.flush();
    }

    /** Continues an interrupted run (or retries its failed compensations) from its journal. */
    public Result resume(String runId) {
        RunRecord r = journal.run(runId).orElseThrow(() -> new IllegalArgumentException("no run " + runId));
        Optional<DriverLock> lock = DriverLock.tryTake(options.drivers(), runId);
        if (lock.isEmpty()) {
            return Result.refused("run " + runId + " is being driven by another process; wait for it");
        }
        try (DriverLock held = lock.get()) {
            Optional<String> owned = owner.reclaim(r);
            if (owned.isPresent()) {
                return Result.refused(owned.get());
            }
            return new RunDriver(this, r, plan(r)).drive();
        } catch (JournalException e) {
            throw e.during(runId);
        }
    }

    /**
     * How a decision went: the outcome recorded (null when none was) and why, and the run as it stands
     * afterwards: continued past its decision point on commit, refused when nothing was recorded.
     */
    public record Decided(Operation.Outcome outcome, String reason, Result result) {

        /** True when the window's policy was to remind: nothing was decided, the run waits. */
        public boolean reminded() {
            return outcome == null && result.state() == RunState.AWAITING_DECISION;
        }
    }

    /**
     * Records the operator's decision on a run that awaits one, exactly as asked (a decision is never
     * turned into another, also past its window); a commit must pass the decision's commitWhen gate
     * unless {@code acceptGate}. On commit the run continues with the steps after the decision point.
     */
    public Decided decide(String runId, Operation.Outcome requested, String by, boolean acceptGate) {
        return asked(runId, d -> d.decide(requested, by, acceptGate));
    }

    /**
     * Acts on a decision whose window passed: rolls back where its policy says so, else records a
     * reminder once. An operator's decision recorded first always stands.
     */
    public Decided windowPassed(String runId) {
        return asked(runId, RunDriver::windowPassed);
    }

    private Decided asked(String runId, java.util.function.Function<RunDriver, DecisionPoint.Asked> ask) {
        RunRecord r = journal.run(runId).orElseThrow(() -> new IllegalArgumentException("no run " + runId));
        Optional<DriverLock> lock = DriverLock.tryTake(options.drivers(), runId);
        if (lock.isEmpty()) {
            return new Decided(null, null, Result.refused("run " + runId + " is being driven by another process"));
        }
        try (DriverLock held = lock.get()) {
            RunDriver driver = new RunDriver(this, r, plan(r));
            return switch (ask.apply(driver)) {
                case DecisionPoint.Asked.Refused refused -> new Decided(null, refused.reason(),
                        Result.refused(refused.reason()));
                case DecisionPoint.Asked.Reminded reminded -> new Decided(null, reminded.message(),
                        new Result(runId, RunState.AWAITING_DECISION, reminded.message()));
                case DecisionPoint.Asked.Decided decided -> new Decided(decided.outcome(), decided.reason(),
                        decided.outcome() == Operation.Outcome.COMMIT ? driver.drive()
                                : new Result(runId, RunState.AWAITING_DECISION, "decided rollback"));
            };
        } catch (JournalException e) {
            throw e.during(runId);
        }
    }

    /** Runs a failover run's compensations in reverse order; failures are returned, never hidden. */
    List<String> undo(String failoverRunId, String byRun) {
        RunRecord r = journal.run(failoverRunId).orElseThrow(() -> new IllegalArgumentException("no run " + failoverRunId));
        List<String> failures = new RunDriver(this, r, plan(r)).compensate("rolled back by run " + byRun);
        if (!failures.isEmpty()) {
            journal.write(List.of(Entry.of(failoverRunId, Entry.Kind.RUN, null, RunState.COMPENSATION_FAILED.id(),
                    JsonNodeFactory.instance.objectNode().put("message", "rollback by run " + byRun + " failed:\n  - "
                            + String.join("\n  - ", failures)))));
        }
        return failures;
    }

    public static Plan plan(RunRecord r) {
        try {
            return MAPPER.readValue(r.plan(), Plan.class);
        } catch (JsonProcessingException e) {
            throw new JournalException("the plan of run " + r.id() + " cannot be read back: " + e.getOriginalMessage(), e);
        }
    }

    private static String json(Plan plan) {
        try {
            return MAPPER.writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String newId(Instant now) {
        byte[] b = new byte[2];
        ThreadLocalRandom.current().nextBytes(b);
        return ID_TIME.format(now) + "-" + HexFormat.of().formatHex(b);
    }

    // ------------------------------------------------------------------------ the engine's primitives

    private final Primitive locksActive = new Primitive() {
        @Override
        public PrimitiveSpec spec() {
            return RunSpecs.LOCKS_ACTIVE;
        }

        @Override
        public JsonNode apply(Call call) {
            String vm = call.text("vm");
            var holders = JsonNodeFactory.instance.arrayNode();
            journal.locks().stream().filter(l -> l.name().equals("vm:" + vm) && !l.runId().equals(call.runId()))
                    .map(LockRecord::runId).distinct().forEach(holders::add);
            return JsonNodeFactory.instance.objectNode().set("holders", holders);
        }
    };

    private final Primitive failoverUndo = new Primitive() {
        @Override
        public PrimitiveSpec spec() {
            return RunSpecs.FAILOVER_UNDO;
        }

        @Override
        public JsonNode apply(Call call) throws PrimitiveException {
            String failover = call.text("run");
            RunRecord r = journal.run(failover).orElseThrow(() -> new PrimitiveException("there is no run " + failover));
            if (!r.vm().equals(call.text("vm"))) {
                throw new PrimitiveException("run " + failover + " failed over " + r.vm() + ", not " + call.text("vm"));
            }
            List<String> failures = undo(failover, call.runId());
            if (!failures.isEmpty()) {
                throw new PrimitiveException("undoing run " + failover + " failed:\n  - " + String.join("\n  - ", failures));
            }
            var undone = JsonNodeFactory.instance.arrayNode();
            RunView.of(journal, failover).compensations().values().forEach(c ->
                    undone.addObject().put("step", c.id()).put("state", c.state()));
            return JsonNodeFactory.instance.objectNode().put("run", failover).set("compensations", undone);
        }

        /** Each compensation is keyed by run and step and never repeated, so the undo is safe to run again. */
        @Override
        public Observation observe(Call call) {
            return new Observation.NotApplied();
        }
    };

    /** Journals its message as the step's result, where status, reports and later expressions read it. */
    private final Primitive note = new Primitive() {
        @Override
        public PrimitiveSpec spec() {
            return RunSpecs.RUN_NOTE;
        }

        @Override
        public JsonNode apply(Call call) {
            return JsonNodeFactory.instance.objectNode().put("message", call.text("message"));
        }
    };

    @Override
    public void close() {
        journal.close();
    }
}
