package dev.runbook.exec;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.runbook.plan.Plan.PlannedGroup;
import dev.runbook.plan.Plan.PlannedStep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a group's steps concurrently, each on its own virtual thread with its own batch, at most
 * {@code concurrency} at once; with {@code failFast} (the default) the first failure cancels the others.
 */
final class ParallelGroup {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RunContext run;
    private final StepRunner steps;

    ParallelGroup(RunContext run, StepRunner steps) {
        this.run = run;
        this.steps = steps;
    }

    StepOutcome run(PlannedGroup group, RunView.Item seen, Batch batch) {
        if (seen == null) {
            batch.step(group.id(), StepState.RUNNING, JSON.objectNode().put("attempt", 1));
        }
        batch.flush();
        Semaphore slots = new Semaphore(group.concurrency() == null ? Integer.MAX_VALUE : group.concurrency());
        boolean failFast = group.failFast() == null || group.failFast();
        List<Thread> threads = new ArrayList<>();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        for (PlannedStep child : group.steps()) {
            threads.add(Thread.ofVirtual().name("step-" + child.id()).start(() -> {
                Batch own = batch.branch();
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    own.step(child.id(), StepState.FAILED, JSON.objectNode()
                            .put("error", "cancelled before it started: " + firstFailure.get()));
                    own.flush();
                    return;
                }
                try {
                    StepOutcome outcome = steps.step(child, own);
                    own.flush();
                    if (outcome instanceof StepOutcome.Failed f) {
                        failures.add(f.reason());
                        if (firstFailure.compareAndSet(null, f.reason()) && failFast) {
                            threads.forEach(t -> {
                                if (t != Thread.currentThread()) {
                                    t.interrupt();
                                }
                            });
                        }
                    }
                } finally {
                    slots.release();
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                threads.forEach(Thread::interrupt);
                Thread.currentThread().interrupt();
            }
        }
        if (firstFailure.get() != null) {
            return steps.fail(group, failures.size() + " of " + group.steps().size() + " branches failed: "
                    + firstFailure.get(), batch);
        }
        batch.step(group.id(), StepState.SUCCEEDED, null);
        run.scope.finished(group.id(), StepState.SUCCEEDED, null);
        return StepOutcome.DONE;
    }
}
