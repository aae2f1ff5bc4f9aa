package dev.runbook.bench;

import dev.runbook.bench.AnsibleBench.Measured;
import dev.runbook.bench.AnsibleBench.Timing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link AnsibleBench} prints: the machine, a table of the six series (the times at both sizes and the
 * cost per step), the ratios of Ansible's cost per step to ours, and the two bars. Every line also goes to a
 * results file, written whole at the end.
 */
final class AnsibleReport {

    private static final int LABEL = 66;

    private final Path file;
    private final List<String> lines = new ArrayList<>();

    AnsibleReport(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    void line(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        lines.add(line);
    }

    void save() throws IOException {
        Files.write(file, lines);
    }

    /** The six series, in the order {@link AnsibleBench} runs them. */
    record Figures(Measured noop, Measured setFact, Measured durableNote, Measured durableExpression,
                   Measured memoryNote, Measured memoryExpression) {

        static Figures of(List<Measured> m) {
            return new Figures(m.get(0), m.get(1), m.get(2), m.get(3), m.get(4), m.get(5));
        }

        List<Measured> all() {
            return List.of(noop, setFact, durableNote, durableExpression, memoryNote, memoryExpression);
        }
    }

    void figures(Figures f, double memoryBar) {
        table(f.all());
        line("");
        line("Ansible's cost per step over ours:");
        ratio("meta: noop over run.note", f.noop(), f.durableNote(), f.memoryNote());
        ratio("set_fact (Jinja) over run.note with an expression", f.setFact(), f.durableExpression(),
                f.memoryExpression());
        line("");
        memoryBar(f, memoryBar);
        durableBar(f);
    }

    private void table(List<Measured> all) {
        line("%-" + LABEL + "s %6s %9s %6s %9s %21s", "", "N1", "T(N1)", "N2", "T(N2)", "per step");
        for (Measured m : all) {
            line("%-" + LABEL + "s %6d %7.3f s %6d %7.3f s %9s us +- %6s us", m.label(), m.n1(), m.t1(), m.n2(),
                    m.t2(), us(m.perStep()), us(m.jitter()));
            if (m.split()) {
                line("  of which, by the process's own clock: loading, checking and planning %s us, running %s us",
                        us(m.perStep(Timing::planned)), us(m.perStep(Timing::ran)));
            }
        }
    }

    private void ratio(String what, Measured theirs, Measured durable, Measured memory) {
        line("  %-52s durable %8s x   in memory %8s x", what + ":", times(theirs, durable), times(theirs, memory));
    }

    private void memoryBar(Figures f, double memoryBar) {
        Measured cheapest = f.noop().perStep() <= f.setFact().perStep() ? f.noop() : f.setFact();
        line("bar, journal in memory: a run.note step at least %.0f x cheaper than Ansible's cheapest task (%s, %s us):",
                memoryBar, taskOf(cheapest), us(cheapest.perStep()));
        if (untold(cheapest, f.memoryNote())) {
            return;
        }
        double memory = cheapest.perStep() / f.memoryNote().perStep();
        line("  %s us, %s x cheaper: %s (%s x the bar)", us(f.memoryNote().perStep()), two(memory),
                verdict(memory >= memoryBar), two(memory / memoryBar));
        double running = f.memoryNote().perStep(Timing::ran);
        line("  (the running alone, after loading and planning: %s us, %s x cheaper)", us(running),
                two(cheapest.perStep() / running));
    }

    private void durableBar(Figures f) {
        line("bar, SQLite journal: a durable run.note step cheaper than Ansible's meta: noop (%s us):",
                us(f.noop().perStep()));
        if (untold(f.noop(), f.durableNote())) {
            return;
        }
        double durable = f.durableNote().perStep() / f.noop().perStep();
        line("  %s us, %s x meta: noop's cost: %s (%s)", us(f.durableNote().perStep()), two(durable),
                verdict(durable < 1), durable < 1 ? two(1 / durable) + " x cheaper" : two(durable) + " x dearer");
    }

    /** True, and says so, when either cost came out at or below zero: the spread hid it, there is no verdict. */
    private boolean untold(Measured theirs, Measured ours) {
        if (theirs.perStep() > 0 && ours.perStep() > 0) {
            return false;
        }
        line("  no verdict: a cost per step came out at or below zero");
        return true;
    }

    private static String taskOf(Measured m) {
        return m.label().substring(m.label().indexOf(", ") + 2);
    }

    private static String times(Measured theirs, Measured ours) {
        return ours.perStep() > 0 ? two(theirs.perStep() / ours.perStep()) : "n/a";
    }

    private static String verdict(boolean pass) {
        return pass ? "PASS" : "FAIL";
    }

    private static String us(double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds * 1e6);
    }

    private static String two(double x) {
        return String.format(Locale.ROOT, "%.2f", x);
    }
}
