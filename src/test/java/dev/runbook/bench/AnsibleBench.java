package dev.runbook.bench;

import dev.runbook.app.Ended;
import dev.runbook.app.Runs;
import dev.runbook.demo.DemoSite;
import dev.runbook.exec.MemoryJournal;
import dev.runbook.exec.RunState;
import dev.runbook.load.Loader;
import dev.runbook.model.Inventory;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.Plan;
import dev.runbook.plan.Planner;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.DoubleSummaryStatistics;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The engine's cost per step next to Ansible's, measured in one run on one machine, each side as whole
 * processes. Six series, each at two sizes (N1 and N2, default 100 and 500: Ansible's {@code set_fact} took
 * 65 ms a task on the two-core machine, and the whole benchmark should stay near five minutes):
 * <ul>
 *   <li>{@code ansible-playbook -i localhost,} of a playbook of N {@code meta: noop} tasks, and of one of N
 *       {@code set_fact} tasks whose value is a Jinja expression ({@code hosts: localhost}, local connection, no
 *       facts gathered);</li>
 *   <li>{@code bin/runbook run} (the SQLite journal) of a generated test failover of N {@code run.note} steps with a
 *       plain message, and of one whose message is an expression read at run time (it reads {@code run}, so the
 *       planner leaves it to the engine, as Ansible leaves its Jinja to each task);</li>
 *   <li>the same two runbooks in a child JVM ({@link InMemory}): loaded, checked and planned as the CLI does, then
 *       run by {@link Runs} on a {@link MemoryJournal}, at ten times the sizes (at most 10,000 steps, what a runbook
 *       file's 1 MiB holds): a step costs so little there that 400 more of them hide in a JVM's start-up jitter.
 *       The child also times its two parts, loading to planning and running, by its own clock.</li>
 * </ul>
 * Every run is timed with {@link System#nanoTime} around the process. A series' time at a size is the median
 * of {@value #REPETITIONS} runs, after a warm-up run of each series at its smaller size (which also builds
 * {@code target/runbook.jar} and its class-data archive when they are missing); the series take turns round by
 * round, so that a drift of the machine touches them alike. The cost per step is {@code (T(N2) - T(N1)) /
 * (N2 - N1)}: what a process spends once (the JVM or Python starting, the site, the journal) cancels out; the
 * report gives with it half the spread of the runs, divided the same way.
 *
 * <p>The runs of our side act on a demo site ({@code runbook demo init}): a test failover keeps its VM's lock and
 * its claim at the site, so every run gets a VM of its own. Bars: with the journal in memory, a step at least
 * {@value #MEMORY_BAR} times cheaper than Ansible's cheapest task; a durable step cheaper than {@code meta: noop}.
 * Both are judged on the plain note, the step that adds nothing to the engine's own work.
 *
 * <p>Usage: {@code AnsibleBench [N1 N2 [DIR]]}; the scratch folder is made in DIR (default {@code target/bench})
 * and removed afterwards, and the report is also written to {@code DIR/ansible-results.txt}. The exit status is
 * 0 whether or not a bar is met, and non-zero only when a process failed or a cost did not come out above zero.
 */
public final class AnsibleBench {

    static final int REPETITIONS = 3;
    private static final int MEMORY_BAR = 100;
    /** How many times more steps the in-memory runs take, up to {@link #MOST_STEPS}. */
    private static final int MEMORY_SCALE = 10;
    /** The longest runbook generated: its expression variant is just under the 1 MiB a runbook file may have. */
    private static final int MOST_STEPS = 10_000;
    private static final int LOG_TAIL_LINES = 20;

    private static final String NOTE = "run.note";
    private static final String NOTE_EXPRESSION = "run.note with an expression";

    private final int n1;
    private final int n2;
    private final Path scratch;
    private final AnsibleReport report;

    private AnsibleBench(int n1, int n2, Path scratch, AnsibleReport report) {
        this.n1 = n1;
        this.n2 = n2;
        this.scratch = scratch;
        this.report = report;
    }

    public static void main(String[] args) throws Exception {
        int n1 = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int n2 = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        if (n1 < 1 || n2 <= n1 || n2 > MOST_STEPS) {
            System.err.println("bench: the sizes must be 0 < N1 < N2 <= " + MOST_STEPS + ", not " + n1 + " and " + n2);
            System.exit(2);
        }
        Path base = Path.of(args.length > 2 ? args[2] : "target/bench").toAbsolutePath();
        Files.createDirectories(base);
        Path scratch = Files.createTempDirectory(base, "ansible-");
        AnsibleReport report = new AnsibleReport(base.resolve("ansible-results.txt"));
        int status;
        try {
            status = new AnsibleBench(n1, n2, scratch, report).measure() ? 0 : 1;
            report.save();
        } catch (MeasurementFailed e) {
            System.err.println("bench: " + e.getMessage());
            status = 1;
        } finally {
            deleteTree(scratch);
        }
        System.exit(status);
    }

    /** Runs every series and reports them; false when some cost per step did not come out above zero. */
    private boolean measure() throws Exception {
        report.line("command: bin/bench ansible %d %d", n1, n2);
        report.line("machine: %d cores, %s %s, JDK %s; %s", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"), Runtime.version(), ansibleVersion());
        report.line("load average at the start: %s", loadAverage());
        List<Measured> measured = time(series());
        report.line("load average at the end:   %s", loadAverage());
        report.line("");
        report.line("each time: the median of %d runs of the whole process, after a warm-up run; per step = "
                + "(T(N2) - T(N1)) / (N2 - N1), +- half the runs' spread at both sizes, divided the same way",
                REPETITIONS);
        report.line("with an expression: message \"%s\", read at run time", StepFiles.NOTE_MESSAGE);
        report.figures(AnsibleReport.Figures.of(measured), MEMORY_BAR);
        boolean told = measured.stream().allMatch(m -> m.perStep() > 0);
        if (!told) {
            report.line("a cost per step did not come out above zero: the runs' spread hides it; run it again on a "
                    + "quieter machine or with sizes further apart");
        }
        report.line("");
        Path here = Path.of("").toAbsolutePath();
        report.line("results written to %s", report.file().startsWith(here) ? here.relativize(report.file()) : report.file());
        return told;
    }

    // ------------------------------------------------------------------------------------ the series

    /** One way of running a number of steps as one process, at two sizes. */
    record Series(String label, int small, int large, IntFunction<ProcessBuilder> process) {
    }

    private List<Series> series() throws Exception {
        int memoryScale = Math.max(1, Math.min(MEMORY_SCALE, MOST_STEPS / n2));
        // a VM for each run of our four series: the warm-up, then each round at both sizes
        int vms = 4 * (1 + 2 * REPETITIONS);
        DemoSite.Made made = DemoSite.init(scratch.resolve("site"), Math.max(DemoSite.NAMED, vms));
        Iterator<String> fresh = vmNames(made.inventory()).iterator();
        Path journal = scratch.resolve("journal.db");
        Path launcher = Path.of("bin", "runbook").toAbsolutePath();
        if (!Files.isExecutable(launcher)) {
            throw new MeasurementFailed(launcher + " is missing; run the benchmark from the project's folder");
        }
        List<Series> all = new ArrayList<>();
        all.add(ansible("ansible-playbook, meta: noop", "noop", StepFiles::noopPlaybook));
        all.add(ansible("ansible-playbook, set_fact " + StepFiles.SET_FACT, "set-fact", StepFiles::setFactPlaybook));
        for (boolean expression : new boolean[] {false, true}) {
            all.add(new Series("runbook run (SQLite journal), " + (expression ? NOTE_EXPRESSION : NOTE), n1, n2,
                    n -> cli(launcher, notes(n, expression), made.inventory(), next(fresh), journal)));
        }
        for (boolean expression : new boolean[] {false, true}) {
            all.add(new Series("in memory (MemoryJournal), " + (expression ? NOTE_EXPRESSION : NOTE),
                    n1 * memoryScale, n2 * memoryScale, n -> InMemory.process(notes(n, expression),
                    made.inventory(), next(fresh), scratch.resolve("memory"))));
        }
        return all;
    }

    private Series ansible(String label, String name, IntFunction<String> playbook) {
        return new Series(label, n1, n2, n -> new ProcessBuilder("ansible-playbook", "-i", "localhost,",
                write("playbook-" + name + "-" + n + ".yaml", playbook.apply(n)).toString()));
    }

    private Path notes(int steps, boolean expression) {
        return write("notes-" + (expression ? "expression-" : "") + steps + ".yaml", StepFiles.notes(steps, expression));
    }

    private static ProcessBuilder cli(Path launcher, Path runbook, Path inventory, String vm, Path journal) {
        return new ProcessBuilder(launcher.toString(), "run", runbook.toString(), "-i", inventory.toString(), "--vm",
                vm, "--journal", journal.toString(), "--progress", "lines");
    }

    private static String next(Iterator<String> vms) {
        if (!vms.hasNext()) {
            throw new MeasurementFailed("the demo site has run out of VMs, one for each run");
        }
        return vms.next();
    }

    private static List<String> vmNames(Path inventory) {
        Inventory inv = Loader.inventory(inventory).value()
                .orElseThrow(() -> new MeasurementFailed("the demo site's inventory does not load: " + inventory));
        return inv.vms().stream().map(Inventory.Vm::name).toList();
    }

    /** The file in the scratch folder, written on first use. */
    private Path write(String name, String text) {
        Path file = scratch.resolve(name);
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, text);
            }
        } catch (IOException e) {
            throw new MeasurementFailed("cannot write " + file + ": " + e.getMessage());
        }
        return file;
    }

    // ----------------------------------------------------------------------------------- the timing

    /**
     * One process: seconds from its start to its exit and, for an in-memory run (NaN for the others), its own
     * clock's split between loading, checking and planning the runbook and running it.
     */
    record Timing(double total, double planned, double ran) {
    }

    /** A series' runs at its two sizes. */
    record Measured(String label, int n1, List<Timing> small, int n2, List<Timing> large) {

        double t1() {
            return median(small, Timing::total);
        }

        double t2() {
            return median(large, Timing::total);
        }

        /** Seconds per step by difference of the medians: what a process spends once cancels out. */
        double perStep() {
            return perStep(Timing::total);
        }

        double perStep(ToDoubleFunction<Timing> part) {
            return (median(large, part) - median(small, part)) / (n2 - n1);
        }

        /** Half the spread at both sizes, per step: how far the runs' jitter could move {@link #perStep}. */
        double jitter() {
            return (spread(small) + spread(large)) / 2 / (n2 - n1);
        }

        /** True when the process timed its own parts. */
        boolean split() {
            return !Double.isNaN(small.get(0).ran());
        }

        private static double median(List<Timing> runs, ToDoubleFunction<Timing> part) {
            double[] sorted = runs.stream().mapToDouble(part).sorted().toArray();
            int mid = sorted.length / 2;
            return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }

        private static double spread(List<Timing> runs) {
            DoubleSummaryStatistics all = runs.stream().mapToDouble(Timing::total).summaryStatistics();
            return all.getMax() - all.getMin();
        }
    }

    /** A warm-up round at the smaller sizes, then round by round every series at both sizes. */
    private List<Measured> time(List<Series> series) throws InterruptedException {
        progress("warm-up");
        for (Series s : series) {
            once(s, s.small());
        }
        List<List<Timing>> small = new ArrayList<>();
        List<List<Timing>> large = new ArrayList<>();
        series.forEach(s -> {
            small.add(new ArrayList<>());
            large.add(new ArrayList<>());
        });
        for (int round = 0; round < REPETITIONS; round++) {
            progress("round " + (round + 1) + " of " + REPETITIONS);
            for (int s = 0; s < series.size(); s++) {
                small.get(s).add(once(series.get(s), series.get(s).small()));
                large.get(s).add(once(series.get(s), series.get(s).large()));
            }
        }
        List<Measured> out = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            Series x = series.get(s);
            out.add(new Measured(x.label(), x.small(), small.get(s), x.large(), large.get(s)));
        }
        return out;
    }

    private static void progress(String what) {
        System.err.println("bench: " + what);
    }

    /** How long the process took from its start to its exit; its output goes to a log, shown when it fails. */
    private Timing once(Series series, int steps) throws InterruptedException {
        Path log = scratch.resolve("last-run.log");
        ProcessBuilder pb = series.process().apply(steps).redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new MeasurementFailed("cannot start " + pb.command().get(0) + ": " + e.getMessage());
        }
        int code = p.waitFor();
        long t = System.nanoTime() - t0;
        if (code != 0) {
            throw new MeasurementFailed(series.label() + " at " + steps + " steps exited " + code + ": "
                    + String.join(" ", pb.command()) + "\n" + tail(log));
        }
        return split(t / 1e9, log);
    }

    /** The timing, with the split an in-memory run prints last ({@link InMemory#SPLIT}) when there is one. */
    private static Timing split(double total, Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            Matcher m = InMemory.SPLIT_LINE.matcher(last);
            return m.matches() ? new Timing(total, Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)))
                    : new Timing(total, Double.NaN, Double.NaN);
        } catch (IOException e) {
            throw new MeasurementFailed("cannot read " + log + ": " + e.getMessage());
        }
    }

    private static String ansibleVersion() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("ansible-playbook", "--version").redirectErrorStream(true).start();
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
            if (p.waitFor() != 0 || lines.isEmpty()) {
                throw new MeasurementFailed("ansible-playbook --version failed: " + String.join("\n", lines));
            }
            String python = lines.stream().filter(l -> l.strip().startsWith("python version"))
                    .map(l -> l.strip().replaceFirst("python version = (\\S+).*", "python $1")).findFirst().orElse("");
            return lines.get(0).strip() + (python.isEmpty() ? "" : ", " + python);
        } catch (IOException e) {
            throw new MeasurementFailed("ansible-playbook is not installed (bin/bench ansible installs ansible-core): "
                    + e.getMessage());
        }
    }

    /** The 1, 5 and 15 minute load averages: on a shared machine, what else ran beside the measurement. */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return String.join(" ", Arrays.asList(fields).subList(0, 3));
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A process failed, or something it needs is missing: the figures would mean nothing. */
    static final class MeasurementFailed extends RuntimeException {
        MeasurementFailed(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------------------ the child JVM

    /**
     * One run with the journal in memory, as a process of its own: the runbook loaded, checked and planned as
     * {@code runbook run} does, then run by {@link Runs} (the site's primitives and its ownership records) on a
     * {@link MemoryJournal}. Usage: {@code InMemory RUNBOOK INVENTORY VM FOLDER}, FOLDER holding the driver locks.
     */
    public static final class InMemory {

        /** Its last line: seconds to load, check and plan the runbook, then seconds to run it. */
        static final String SPLIT = "loaded, checked and planned in %.6f s; ran in %.6f s";
        static final Pattern SPLIT_LINE = Pattern.compile("loaded, checked and planned in ([0-9.]+) s; ran in ([0-9.]+) s");

        private InMemory() {
        }

        /**
         * This class in a JVM of this java and class path, with the quick-start options {@code bin/runbook} gives
         * the CLI (C1 only, the serial GC) and then this JVM's own (those of {@code bin/bench}, BENCH_JAVA_OPTS
         * last). Without C1 only, a 200-step run took 10 s here rather than 4: on two cores the C2 compiler
         * competes with the run. The CLI's class-data archive is left out: the JDK makes none for a class path
         * with folders on it.
         */
        static ProcessBuilder process(Path runbook, Path inventory, String vm, Path folder) {
            List<String> own = ManagementFactory.getRuntimeMXBean().getInputArguments();
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-XX:TieredStopAtLevel=1");
            // Two GC selections make the JVM refuse to start, so defer to one given in BENCH_JAVA_OPTS.
            if (own.stream().noneMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"))) {
                cmd.add("-XX:+UseSerialGC");
            }
            cmd.addAll(own);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), InMemory.class.getName(),
                    runbook.toString(), inventory.toString(), vm, folder.toString()));
            return new ProcessBuilder(cmd);
        }

        public static void main(String[] args) {
            System.exit(run(Path.of(args[0]), Path.of(args[1]), args[2], Path.of(args[3])));
        }

        private static int run(Path runbook, Path inventory, String vm, Path folder) {
            long t0 = System.nanoTime();
            try (Pipeline pipeline = new Pipeline(); MemoryJournal journal = new MemoryJournal()) {
                var loaded = pipeline.plan(runbook, inventory, new Planner.Request(vm, Map.of()), null);
                if (loaded.value().isEmpty()) {
                    loaded.diagnostics().forEach(System.err::println);
                    return 2;
                }
                Plan plan = loaded.value().get();
                long t1 = System.nanoTime();
                Ended ended = new Runs(journal, folder.resolve("journal")).start(plan, runbook, inventory,
                        pipeline.expressions(), null, id -> { });
                System.out.println(ended.message());
                System.out.printf(Locale.ROOT, SPLIT + "%n", (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
                return ended instanceof Ended.Ran r && r.result().state() == RunState.COMPLETED ? 0 : 1;
            }
        }
    }
}
