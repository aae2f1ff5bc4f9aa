package dev.runbook.exec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.plan.SitePlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Drives a recovery plan: one run for the plan and one child run per VM, in one journal. Every VM is admitted
 * together (all or none), every VM's prechecks run before any VM changes, then the VMs run tier by tier as
 * their dependencies and the concurrency bounds allow; a VM is ready once its runbook reached its target and
 * its gates passed. A failed VM is compensated alone (its own run compensates; a VM whose gate fails is
 * rolled back); the failure policy says what becomes of the rest. Every VM ends in exactly one terminal
 * state with a reason.
 */
public final class RecoveryRun {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * The engine that drives one VM's run: its sites' primitives, each reached through the plan's
     * {@link SiteBounds}, and ownership records.
     */
    @FunctionalInterface
    public interface Engines {
        Engine of(SitePlan.Vm vm);
    }

    /** What a VM's gates and a VM's rollback need beyond the engine: the application layer provides them. */
    public interface Readiness {
        /** Waits for one gate of a VM whose run reached its target; the evidence of its failure, if it failed. */
        Optional<String> await(SitePlan.Vm vm, SitePlan.Gate gate, String runId) throws InterruptedException;

        /** Rolls back a VM whose run reached its target but did not become ready; the failure, if any. */
        Optional<String> rollBack(String runId);
    }

    /** Where a VM of the plan stands. */
    public enum VmState {
        PENDING, RUNNING, READY, FAILED, SKIPPED, BLOCKED;

        boolean settled() {
            return this == READY || this == FAILED || this == SKIPPED || this == BLOCKED;
        }

        boolean failed() {
            return this == FAILED || this == SKIPPED || this == BLOCKED;
        }

        public String id() {
            return name().toLowerCase();
        }
    }

    private final Journal journal;
    private final SitePlan plan;
    private final Engines engines;
    private final Readiness readiness;
    private final Options options;
    private final Map<String, Engine> engineOf = new HashMap<>();
    private final Map<String, VmState> states = new LinkedHashMap<>();
    private final Map<String, String> reasons = new ConcurrentHashMap<>();
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final SiteBounds bounds;
    private final PlanSchedule schedule;
    private String planRun;
    private boolean halted;

    /** A run of {@code plan} whose engines reach their sites through {@code bounds}. */
    public RecoveryRun(Journal journal, SitePlan plan, Engines engines, SiteBounds bounds, Readiness readiness,
                       Options options) {
        this.journal = journal;
        this.plan = plan;
        this.engines = engines;
        this.readiness = readiness;
        this.options = options;
        this.bounds = bounds;
        this.schedule = new PlanSchedule(plan);
        bounds.listen(new SiteBounds.Waits() {
            @Override
            public void waiting(String vm, String why) {
                journal.write(List.of(Entry.of(planRun, Entry.Kind.NOTE, vm, "waiting",
                        JsonNodeFactory.instance.objectNode().put("vm", vm).put("reason", why)
                                .put("message", vm + " " + why))));
            }

            @Override
            public void goesOn(String vm) {
                journal.write(List.of(Entry.of(planRun, Entry.Kind.NOTE, vm, "goes-on",
                        JsonNodeFactory.instance.objectNode().put("vm", vm).put("message", vm + " has its slot"))));
            }
        });
    }

    /** The id of a VM's run in the plan run {@code planRun}. */
    public static String childId(String planRun, String vm) {
        return planRun + "." + vm;
    }

    /**
     * Admits the plan whole or refuses it, then drives it to its end or its decision.
     *
     * @param launch    where the plan came from (its file as the runbook file)
     * @param onlyReady run the VMs whose prechecks passed and report the rest, rather than stop the plan
     * @param admitted  hears the plan run's id once it is recorded
     */
    public Result start(Engine.Launch launch, Map<String, Engine.Launch> launches, boolean onlyReady,
                        Consumer<String> admitted) {
        Instant now = Instant.now();
        planRun = Engine.newId(now);
        RunRecord record = new RunRecord(planRun, null, plan.recoveryPlan().name(), plan.recoveryPlan().version(),
                plan.recoveryPlan().sha256(), launch.runbookFile(), launch.git(), plan.inventory().name(),
                plan.inventory().sha256(), launch.inventoryFile(), plan.hash(), json(plan),
                "plan:" + plan.recoveryPlan().name(), plan.operation(), RunState.RUNNING.id(), null, now, now,
                options.actor(), null);
        List<Admission> admissions = new ArrayList<>();
        Map<String, String> done = alreadyAtTarget();
        for (SitePlan.Vm vm : plan.vms()) {
            if (done.containsKey(vm.vm())) {
                states.put(vm.vm(), VmState.READY);
                continue;
            }
            Engine engine = engines.of(vm);
            engineOf.put(vm.vm(), engine);
            admissions.add(engine.admission(vm.plan(), launches.get(vm.vm()), planRun));
            states.put(vm.vm(), VmState.PENDING);
        }
        if (admissions.isEmpty()) {
            return Result.refused("every VM of recovery plan " + plan.recoveryPlan().name() + " already reached its "
                    + "target; nothing was changed:\n  - " + String.join("\n  - ", done.values()));
        }
        List<Admission.Refusal> refused = journal.admitAll(record, admissions);
        if (!refused.isEmpty()) {
            return Result.refused("recovery plan " + plan.recoveryPlan().name() + " is refused whole; nothing was "
                    + "changed:\n  - " + refused.stream().map(Admission.Refusal::message)
                    .collect(Collectors.joining("\n  - ")));
        }
        admitted.accept(planRun);
        note("plan-started", JsonNodeFactory.instance.objectNode().put("onlyReady", onlyReady));
        done.forEach((vm, reason) -> set(vm, VmState.READY, reason));
        try (DriverLock held = DriverLock.tryTake(options.drivers(), planRun).orElseThrow()) {
            return drive(onlyReady);
        }
    }

    /**
     * The VMs that an earlier run of this same recovery plan already took where its operation goes (the plan run
     * again after a partial failure): they are not run again, and count as ready, saying since which run. A VM
     * brought there by anything else is a conflict, which admission refuses.
     */
    private Map<String, String> alreadyAtTarget() {
        String target = dev.runbook.model.Operation.byId(plan.operation()).orElseThrow().to().id();
        Map<String, String> out = new LinkedHashMap<>();
        for (SitePlan.Vm vm : plan.vms()) {
            LifecycleRecord life = journal.lifecycle(vm.vm());
            boolean byThisPlan = life.runId() != null && journal.run(life.runId()).map(RunRecord::planRun)
                    .flatMap(journal::run).map(p -> p.runbook().equals(plan.recoveryPlan().name())).orElse(false);
            if (life.state().equals(target) && byThisPlan) {
                out.put(vm.vm(), vm.vm() + " is already " + target + " since run " + life.runId() + "; not run again");
            }
        }
        return out;
    }

    /**
     * Continues a plan run after its driver stopped (a crash, a kill): the VMs that settled stay as they are, the
     * prechecks run again if their phase did not end, and every other VM continues its own run where it stopped.
     * A VM is never started twice: its child run resumes from its journal.
     */
    public Result resume(String planRunId) {
        planRun = planRunId;
        RunRecord record = journal.run(planRun).orElseThrow(() -> new IllegalArgumentException("no run " + planRun));
        if (RunState.of(record.state()).isFinal() || record.state().equals(RunState.AWAITING_DECISION.id())) {
            return new Result(planRun, RunState.of(record.state()), record.message());
        }
        Optional<DriverLock> lock = DriverLock.tryTake(options.drivers(), planRun);
        if (lock.isEmpty()) {
            return Result.refused("recovery plan run " + planRun + " is being driven by another process; wait for it");
        }
        try (DriverLock held = lock.get()) {
            boolean onlyReady = false;
            boolean prechecked = false;
            for (Entry e : journal.entries(planRun, 0)) {
                if (e.kind() != Entry.Kind.NOTE) {
                    continue;
                }
                if (e.state().equals("plan-started")) {
                    onlyReady = e.data() != null && e.data().path("onlyReady").asBoolean();
                } else if (e.state().equals("prechecks-done")) {
                    prechecked = true;
                } else if (e.state().startsWith("vm-") && e.step() != null) {
                    VmState settled = VmState.valueOf(e.state().substring(3).toUpperCase());
                    states.put(e.step(), settled);
                    reasons.put(e.step(), e.data() == null ? "" : e.data().path("reason").asText(""));
                }
            }
            for (SitePlan.Vm vm : plan.vms()) {
                engineOf.put(vm.vm(), engines.of(vm));
                states.putIfAbsent(vm.vm(), VmState.PENDING);
                settleFromChild(vm);
                if (states.get(vm.vm()) == VmState.FAILED
                        && schedule.halts(vm)) {
                    halted = true;
                    haltReason = vm.vm() + (vm.critical() ? ", a critical VM," : "") + " failed";
                }
            }
            return prechecked ? scheduleAndFinish() : drive(onlyReady);
        }
    }

    /**
     * A VM without a settled note whose child run ended without ever changing anything (skipped or blocked)
     * settles as its child says: the driver stopped between the two records. One that started its domain
     * counts as started.
     */
    private void settleFromChild(SitePlan.Vm vm) {
        String id = childId(planRun, vm.vm());
        RunView view = RunView.of(journal, id);
        view.steps().values().stream().filter(i -> i.id().equals(PlanSchedule.startStep(vm)) && i.state().equals(
                StepState.SUCCEEDED.id())).findAny().ifPresent(i -> started.add(vm.vm()));
        if (states.get(vm.vm()) != VmState.PENDING) {
            return;
        }
        journal.run(id).ifPresent(child -> {
            if (child.state().equals(RunState.SKIPPED.id())) {
                set(vm.vm(), VmState.SKIPPED, child.message());
            } else if (child.state().equals(RunState.BLOCKED.id())) {
                set(vm.vm(), VmState.BLOCKED, "blocked by its prechecks: " + child.message());
            }
        });
    }

    private Result drive(boolean onlyReady) {
        Optional<Result> blocked = prechecks(onlyReady);
        if (blocked.isPresent()) {
            return blocked.get();
        }
        note("prechecks-done", null);
        return scheduleAndFinish();
    }

    /** Tiers, dependencies and bounds, then the plan run's end; VMs are followed from before the first starts. */
    private Result scheduleAndFinish() {
        Consumer<Entry> starts = followStarts();
        try {
            schedule();
        } finally {
            journal.unsubscribe(starts);
        }
        return finish();
    }

    private void note(String what, com.fasterxml.jackson.databind.JsonNode data) {
        journal.write(List.of(Entry.of(planRun, Entry.Kind.NOTE, null, what, data)));
    }

    /** Every VM's prechecks first; a blocking failure anywhere stops the plan unless {@code onlyReady}. */
    private Optional<Result> prechecks(boolean onlyReady) {
        Map<String, String> blocked = new LinkedHashMap<>();
        List<SitePlan.Vm> pending = plan.vms().stream().filter(vm -> states.get(vm.vm()) == VmState.PENDING).toList();
        forEachInParallel(pending, vm -> engineOf.get(vm.vm()).precheck(childId(planRun, vm.vm()))
                .ifPresent(message -> {
                    synchronized (blocked) {
                        blocked.put(vm.vm(), message);
                    }
                }));
        for (SitePlan.Vm vm : plan.vms()) {
            if (blocked.containsKey(vm.vm())) {
                set(vm.vm(), VmState.BLOCKED, "blocked by its prechecks: " + blocked.get(vm.vm()));
            }
        }
        if (blocked.isEmpty() || onlyReady) {
            return Optional.empty();
        }
        for (SitePlan.Vm vm : pending) {
            if (!blocked.containsKey(vm.vm())) {
                skip(vm.vm(), "not attempted: the plan was stopped by the prechecks of " + String.join(", ",
                        blocked.keySet()));
            }
        }
        String message = blocked.size() + " of " + plan.vms().size() + " VMs are blocked by their prechecks; "
                + "nothing was changed (--only-ready runs the others):\n" + blocked.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue().replace("\n", "\n    ")).collect(Collectors.joining("\n"));
        end(RunState.BLOCKED, message);
        return Optional.of(new Result(planRun, RunState.BLOCKED, message));
    }

    /**
     * Starts VMs as tiers, dependencies and bounds allow, until every VM has settled. The journal is never
     * written while the states are locked: its listeners run under the journal's own lock.
     */
    private void schedule() {
        List<Thread> threads = new ArrayList<>();
        while (true) {
            PlanSchedule.Look look;
            synchronized (states) {
                if (states.values().stream().allMatch(VmState::settled)) {
                    break;
                }
                look = schedule.look(states, started, halted ? Optional.of(haltReason) : Optional.empty());
                for (SitePlan.Vm vm : look.start()) {
                    threads.add(Thread.ofVirtual().name("vm-" + vm.vm()).start(() -> run(vm)));
                }
                if (look.start().isEmpty() && look.skip().isEmpty()) {
                    try {
                        states.wait(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            look.skip().forEach(this::skip);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String haltReason = "";

    /** One VM: its run to its target, then its gates; a VM that does not become ready is rolled back. */
    private void run(SitePlan.Vm vm) {
        String id = childId(planRun, vm.vm());
        VmState outcome;
        String reason;
        try {
            Result r = engineOf.get(vm.vm()).resume(id);
            if (r.state() == RunState.COMPLETED || r.state() == RunState.AWAITING_DECISION) {
                started.add(vm.vm());
                Optional<String> gate = gates(vm, id);
                if (gate.isEmpty()) {
                    outcome = VmState.READY;
                    reason = r.state() == RunState.AWAITING_DECISION ? "ready; awaits its decision" : "ready";
                } else {
                    outcome = VmState.FAILED;
                    reason = gate.get() + readiness.rollBack(id).map(f -> "; its rollback failed: " + f)
                            .orElse("; rolled back");
                }
            } else {
                outcome = VmState.FAILED;
                reason = r.state() == null ? "refused: " + r.message() : r.state().id() + ": " + firstLine(r.message());
            }
        } catch (RuntimeException e) {
            outcome = VmState.FAILED;
            reason = "failed: " + e.getMessage();
        }
        if (outcome == VmState.FAILED && schedule.halts(vm)) {
            synchronized (states) { // before the VM reads as settled, so nothing waiting on it starts
                halted = true;
                haltReason = vm.vm() + (vm.critical() ? ", a critical VM," : "") + " failed";
            }
        }
        try {
            set(vm.vm(), outcome, reason);
        } finally {
            bounds.settled(vm.vm()); // it no longer boots: the next VM's domain may start
        }
    }

    private Optional<String> gates(SitePlan.Vm vm, String runId) {
        for (SitePlan.Gate g : vm.gates()) {
            try {
                Optional<String> failed = readiness.await(vm, g, runId);
                if (failed.isPresent()) {
                    return Optional.of("gate " + g.kind() + " did not pass: " + failed.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("gate " + g.kind() + " was interrupted");
            }
        }
        return Optional.empty();
    }

    /** Marks VMs started as soon as their recovered domain's start step succeeds. */
    private Consumer<Entry> followStarts() {
        Map<String, String> startSteps = new HashMap<>();
        for (SitePlan.Vm vm : plan.vms()) {
            String step = PlanSchedule.startStep(vm);
            if (step != null) {
                startSteps.put(childId(planRun, vm.vm()) + "/" + step, vm.vm());
            }
        }
        Consumer<Entry> listener = e -> {
            if (e.kind() == Entry.Kind.STEP && e.state().equals(StepState.SUCCEEDED.id())) {
                String vm = startSteps.get(e.runId() + "/" + e.step());
                if (vm != null) {
                    started.add(vm); // the scheduler sees it at its next look, within 200 ms
                }
            }
        };
        journal.subscribe(listener);
        return listener;
    }

    private void skip(String vm, String reason) {
        engineOf.get(vm).skip(childId(planRun, vm), reason);
        set(vm, VmState.SKIPPED, reason);
    }

    private void set(String vm, VmState state, String reason) {
        reasons.put(vm, reason);
        journal.write(List.of(Entry.of(planRun, Entry.Kind.NOTE, vm, "vm-" + state.id(),
                JsonNodeFactory.instance.objectNode().put("vm", vm).put("state", state.id()).put("reason", reason))));
        synchronized (states) {
            states.put(vm, state);
            states.notifyAll();
        }
    }

    /** The plan run's end: awaiting a decision when a VM awaits one, completed when every VM is ready. */
    private Result finish() {
        long ready = count(VmState.READY);
        long awaiting = plan.vms().stream().filter(v -> journal.run(childId(planRun, v.vm()))
                .map(r -> r.state().equals(RunState.AWAITING_DECISION.id())).orElse(false)).count();
        StringBuilder message = new StringBuilder();
        message.append(ready).append(" of ").append(plan.vms().size()).append(" VMs ready");
        if (awaiting > 0) {
            message.append(", ").append(awaiting).append(" awaiting a decision");
        }
        long failed = count(VmState.FAILED);
        long skipped = count(VmState.SKIPPED);
        long blocked = count(VmState.BLOCKED);
        if (failed + skipped + blocked > 0) {
            message.append(", ").append(failed).append(" failed, ").append(skipped).append(" not attempted, ")
                    .append(blocked).append(" blocked");
        }
        message.append(':');
        for (SitePlan.Vm vm : plan.vms()) {
            message.append("\n  ").append(vm.vm()).append(": ").append(reasons.getOrDefault(vm.vm(), "?"));
        }
        RunState state = ready < plan.vms().size() ? RunState.FAILED
                : awaiting > 0 ? RunState.AWAITING_DECISION : RunState.COMPLETED;
        if (state == RunState.FAILED && awaiting > 0) {
            message.append("\nThe VMs awaiting a decision stay so: `runbook commit ").append(planRun)
                    .append("` or `runbook rollback ").append(planRun).append("` decides them.");
        }
        end(state, message.toString());
        return new Result(planRun, state, message.toString());
    }

    private long count(VmState s) {
        synchronized (states) {
            return states.values().stream().filter(x -> x == s).count();
        }
    }

    private void end(RunState state, String message) {
        journal.write(List.of(Entry.of(planRun, Entry.Kind.RUN, null, state.id(),
                JsonNodeFactory.instance.objectNode().put("message", message))));
    }

    /** Runs {@code work} for every VM at once, on virtual threads, within the plan's bound. */
    private void forEachInParallel(List<SitePlan.Vm> vms, Consumer<SitePlan.Vm> work) {
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(plan.concurrency());
        List<Thread> threads = new ArrayList<>();
        for (SitePlan.Vm vm : vms) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    slots.acquire();
                    try {
                        work.accept(vm);
                    } finally {
                        slots.release();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    private static String json(SitePlan plan) {
        try {
            return MAPPER.writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
