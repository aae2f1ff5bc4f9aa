package dev.runbook.cli;

import dev.runbook.exec.Entry;
import dev.runbook.plan.Plan;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A live progress bar for a run on a terminal: one bar for the VM, advanced as each step ends
 * (succeeded, skipped or failed) and, on failure, as each compensation ends, with the step at hand as
 * its message. What matters beyond progress (a failure, a refusal, a decision, the VM's new lifecycle
 * state) is printed as a line above the bar, so it stays on the screen.
 */
final class ProgressPrinter implements Consumer<Entry>, AutoCloseable {

    private static final Set<String> ENDED = Set.of("succeeded", "skipped", "failed");

    private final ProgressBar bar;
    private final PrintWriter lines;
    private final Set<String> counted = new HashSet<>();
    private int compensations;

    ProgressPrinter(Plan plan, PrintStream terminal, PrintWriter lines) {
        this.lines = lines;
        this.bar = new ProgressBarBuilder().setTaskName(plan.operation() + " " + plan.vm())
                .setInitialMax(countSteps(plan.steps()) + countSteps(plan.finallySteps()))
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(100)
                .setConsumer(new ConsoleProgressBarConsumer(terminal)).hideEta().setUnit(" steps", 1).build();
    }

    /**
     * Whether standard output is a terminal. From JDK 22 {@code System.console()} exists even when output
     * is redirected, and {@code Console.isTerminal()} tells; on JDK 21 a console means a terminal.
     */
    static boolean terminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    static int countSteps(List<Plan.PlannedStep> steps) {
        int n = 0;
        for (Plan.PlannedStep s : steps) {
            n += 1 + countSteps(s.children()); // a group ends too
        }
        return n;
    }

    @Override
    public synchronized void accept(Entry e) {
        switch (e.kind()) {
            case STEP -> {
                if (ENDED.contains(e.state()) && counted.add(e.step())) {
                    bar.step();
                }
                bar.setExtraMessage(e.step() + " " + e.state());
                if (e.state().equals("failed")) {
                    above(EventPrinter.line(e));
                }
            }
            case COMPENSATION -> {
                if (e.state().equals("running") && compensations++ == 0) {
                    // Undoing: the bar now counts the compensations down to where the run began.
                    bar.maxHint(bar.getCurrent() + Math.max(1, counted.size()));
                }
                if (e.state().equals("done") || e.state().equals("covered")) {
                    bar.step();
                }
                if (!e.state().equals("registered")) {
                    bar.setExtraMessage("undo " + e.step() + " " + e.state());
                }
                if (e.state().equals("failed")) {
                    above(EventPrinter.line(e));
                }
            }
            case PRECHECK -> {
                bar.setExtraMessage("precheck " + e.step() + " " + e.state());
                if (!e.state().equals("passed") && !e.state().equals("running")) {
                    above(EventPrinter.line(e));
                }
            }
            case DECISION, LIFECYCLE, NOTE -> above(EventPrinter.line(e));
            case RUN -> bar.setExtraMessage("run " + e.state());
            case LOCKS -> { }
        }
    }

    /** A line printed above the bar. */
    private void above(String line) {
        lines.println("\r\033[K" + Printable.text(line));
        lines.flush();
        bar.refresh();
    }

    @Override
    public synchronized void close() {
        bar.close();
    }
}
