package dev.runbook.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Admission;
import dev.runbook.exec.Engine;
import dev.runbook.exec.Entry;
import dev.runbook.exec.Journal;
import dev.runbook.exec.LifecycleRecord;
import dev.runbook.exec.LockRecord;
import dev.runbook.exec.MemoryJournal;
import dev.runbook.exec.Options;
import dev.runbook.exec.Result;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.RunState;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.expr.Expressions;
import dev.runbook.plan.Plan;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.Primitives;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Measures what the engine adds on top of the disk: the cost of one fsync in the journal's directory,
 * of a journaled no-op step on the SQLite journal, of the engine itself on the in-memory journal (with
 * and without a run-time guard on every step), and of one evaluation of a cached guard expression.
 * It then checks the figures against the bars the engine is held to:
 * <ul>
 *   <li>a durable step costs at most 1.2 fsyncs (one commit per step, little else);</li>
 *   <li>the engine's own work per step stays under 10 µs;</li>
 *   <li>a cached guard evaluates in under 20 µs.</li>
 * </ul>
 *
 * <p>Plans are built directly from {@link Plan}'s records, so loading, validation and planning are not
 * part of any figure. Usage: {@code EngineBench [DIR]}; a fresh folder is made inside DIR (default
 * {@code target/bench}) for the journal and the fsync probe, and removed afterwards. The output is a
 * report: the exit status is 0 whether or not a bar is met, and non-zero only when a run did not
 * complete or the measurement itself failed.
 */
public final class EngineBench {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** Steps per benchmarked runbook: long enough that per-run costs (admission, plan JSON) fade. */
    private static final int STEPS = 1000;
    private static final int FSYNC_WARMUP = 200;
    /** fsync samples before each durable run. */
    private static final int FSYNC_SAMPLES = 500;
    private static final int DURABLE_WARMUP = 1;
    private static final int DURABLE_RUNS = 8;
    /**
     * On two cores the JIT needs about a hundred 1000-step runs before the per-step figure settles (about
     * 15 us/step over the first 50 runs, 2 us from the 100th on); fewer warm-up runs measure the compiler.
     */
    private static final int MEMORY_WARMUP = 200;
    private static final int MEMORY_RUNS = 50;
    /**
     * Guarded runs are counted in steps, not runs: a guarded step can cost a hundred times an unguarded
     * one, and the short runbook needs as many evaluations as the long one to warm up.
     */
    private static final int GUARDED_WARMUP_STEPS = 5_000;
    private static final int GUARDED_STEPS = 10_000;
    private static final int GUARD_WARMUP = 20_000;
    private static final int GUARD_EVALS = 100_000;
    /** A shorter runbook, to show whether the guarded step's cost grows with the runbook's length. */
    private static final int SHORT_STEPS = 100;

    private static final double DURABLE_BAR = 1.2;
    private static final double MEMORY_BAR_US = 10;
    private static final double GUARD_BAR_US = 20;

    private static final String GUARD = "inputs.n > 0";
    private static final String CACHED_GUARD = "inputs.n > 0 && vm.name != ''";
    private static final int LABEL = 42;

    /** Every run gets its own VM: a test failover keeps its VM's lock and lifecycle state when it completes. */
    private static final AtomicInteger VMS = new AtomicInteger();

    private EngineBench() {
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args.length > 0 ? args[0] : "target/bench").toAbsolutePath();
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, "run-");
        // Resolved once: on some hosts the actor's host-name lookup alone takes milliseconds.
        Options options = Options.defaults(null);
        Primitives primitives = new Primitives().add(new Noop());
        try (Expressions expressions = new Expressions()) {
            System.out.println("bench directory: " + dir + "  (java " + Runtime.version() + ", "
                    + Runtime.getRuntime().availableProcessors() + " cpus)");

            Plan plain = plan(STEPS, false);
            Durable durable = durable(dir, plain, primitives, options, expressions);
            double[] fsync = durable.fsync();
            double fsyncMean = mean(fsync);
            line("fsync (4 KiB write + fsync(2))", "mean %s ms  p50 %s ms  p99 %s ms  (n=%d, in %d rounds)",
                    ms(fsyncMean), ms(percentile(fsync, 50)), ms(percentile(fsync, 99)), fsync.length, DURABLE_RUNS);
            double durableRatio = percentile(durable.ratios(), 50);
            line("durable journaled no-op step (SQLite)", "mean %s ms/step  = %s x fsync   (%d-step runbook, %d runs)",
                    ms(durable.perStep()), two(durable.perStep() / fsyncMean), STEPS, DURABLE_RUNS);
            line("  per round, step / fsync", "median %s  min %s  max %s   (each run beside its own fsync sample)",
                    two(durableRatio), two(Arrays.stream(durable.ratios()).min().orElseThrow()),
                    two(Arrays.stream(durable.ratios()).max().orElseThrow()));
            line("  of which in Journal.write", "mean %s ms/step  (%s commits per run; p50 %s ms = %s x fsync p50)",
                    ms(durable.writePerStep()), String.format(Locale.ROOT, "%.0f", durable.commitsPerRun()),
                    ms(durable.commitP50()), two(durable.commitP50() / percentile(fsync, 50)));

            double memory = perStep(MemoryJournal::new, plain, primitives, options, expressions,
                    MEMORY_WARMUP, MEMORY_RUNS);
            line("engine cost per no-op step (memory)",
                    "mean %s us/step   (%d-step runbook, %d runs after %d warm-up runs)",
                    us(memory), STEPS, MEMORY_RUNS, MEMORY_WARMUP);
            line("  of which the plan as JSON (once a run)", "mean %s us/step",
                    us(planJson(plain, MEMORY_WARMUP, MEMORY_RUNS)));

            // Two lengths: a per-step figure that grows with the runbook's length means per-step work that
            // grows with the number of finished steps.
            for (int steps : new int[] {SHORT_STEPS, STEPS}) {
                int runs = GUARDED_STEPS / steps;
                double guarded = perStep(MemoryJournal::new, plan(steps, true), primitives, options,
                        expressions, GUARDED_WARMUP_STEPS / steps, runs);
                line("guarded no-op step (memory)",
                        "mean %s us/step   (%d-step runbook, %d runs, when '%s' on every step)",
                        us(guarded), steps, runs, GUARD);
            }

            double guard = cachedGuard();
            line("cached guard expression", "mean %s us/eval   (%d evals after warm-up)", us(guard), GUARD_EVALS);

            System.out.println("bars: durable <= " + DURABLE_BAR + " x fsync: " + verdict(durableRatio <= DURABLE_BAR)
                    + "; memory < " + (int) MEMORY_BAR_US + " us: " + verdict(memory * 1e6 < MEMORY_BAR_US)
                    + "; guard < " + (int) GUARD_BAR_US + " us: " + verdict(guard * 1e6 < GUARD_BAR_US));
        } finally {
            deleteTree(dir);
        }
    }

    // --------------------------------------------------------------------------------------- fsync

    /**
     * Seconds per 4 KiB write followed by {@code force(true)}, that is fsync(2), the call SQLite makes on
     * commit, overwriting the same block: one durable write on the journal's file system.
     */
    private static double[] fsync(Path file, int count) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(4096);
        while (block.hasRemaining()) {
            block.put((byte) 'x');
        }
        double[] samples = new double[count];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < count; i++) {
                block.rewind();
                long t0 = System.nanoTime();
                while (block.hasRemaining()) {
                    ch.write(block, block.position());
                }
                ch.force(true);
                long t = System.nanoTime() - t0;
                samples[i] = t / 1e9;
            }
        }
        return samples;
    }

    // -------------------------------------------------------------------------------------- engine

    /**
     * Per-step figures of the durable runs, with the fsync samples taken between them and, per run, its
     * cost per step over the mean fsync just before it.
     */
    private record Durable(double perStep, double writePerStep, double commitsPerRun, double commitP50,
                           double[] fsync, double[] ratios) {
    }

    /**
     * Rounds of an fsync sample then a durable run, so that each run is set beside the disk as it was
     * then: a shared host's disk drifts by half over minutes, more than the difference measured.
     */
    private static Durable durable(Path dir, Plan template, Primitives primitives, Options options,
                                   Expressions expressions) throws IOException {
        Path probe = dir.resolve("fsync.probe");
        fsync(probe, FSYNC_WARMUP);
        try (Timed journal = new Timed(SqliteJournal.open(dir.resolve("journal.db")))) {
            Engine engine = new Engine(journal, primitives, options, expressions, null);
            for (int i = 0; i < DURABLE_WARMUP; i++) {
                run(engine, template);
            }
            journal.reset();
            double total = 0;
            double[] fsync = new double[DURABLE_RUNS * FSYNC_SAMPLES];
            double[] ratios = new double[DURABLE_RUNS];
            for (int i = 0; i < DURABLE_RUNS; i++) {
                double[] sample = fsync(probe, FSYNC_SAMPLES);
                System.arraycopy(sample, 0, fsync, i * FSYNC_SAMPLES, FSYNC_SAMPLES);
                double t = run(engine, template);
                total += t;
                ratios[i] = t / template.steps().size() / mean(sample);
            }
            int steps = DURABLE_RUNS * template.steps().size();
            double[] commits = Arrays.stream(journal.latencies, 0, journal.writes).mapToDouble(n -> n / 1e9).toArray();
            return new Durable(total / steps, journal.writeNanos / 1e9 / steps, journal.writes / (double) DURABLE_RUNS,
                    percentile(commits, 50), fsync, ratios);
        }
    }

    /** Mean seconds per step over the measured runs, each on a fresh journal from the supplier. */
    private static double perStep(Supplier<Journal> journals, Plan template, Primitives primitives, Options options,
                                  Expressions expressions, int warmup, int runs) {
        double total = 0;
        for (int i = -warmup; i < runs; i++) {
            // A fresh journal per run: the in-memory journal scans all its entries to replay one run,
            // so a shared one would make later runs dearer than earlier ones.
            Engine engine = new Engine(journals.get(), primitives, options, expressions, null);
            double t = run(engine, template);
            if (i >= 0) {
                total += t;
            }
        }
        return total / runs / template.steps().size();
    }

    /**
     * Seconds per step that serialising the plan takes, as {@link Engine#start} does once a run to record
     * it: a per-run cost, but proportional to the number of steps, so it is part of every step's price.
     */
    private static double planJson(Plan template, int warmup, int runs) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        long total = 0;
        int chars = 0;
        for (int i = -warmup; i < runs; i++) {
            Plan plan = forVm(template, "bench-json-" + i);
            long t0 = System.nanoTime();
            chars += mapper.writeValueAsString(plan).length();
            long t = System.nanoTime() - t0;
            if (i >= 0) {
                total += t;
            }
        }
        if (chars == 0) {
            throw new IllegalStateException("the plan serialised to nothing");
        }
        return total / 1e9 / runs / template.steps().size();
    }

    /** Seconds one start() of the plan takes, for a VM no run has used. */
    private static double run(Engine engine, Plan template) {
        Plan plan = forVm(template, "bench-" + VMS.incrementAndGet());
        long t0 = System.nanoTime();
        Result r = engine.start(plan, new Engine.Launch("bench.yaml", "bench-inventory.yaml", null, null));
        long t = System.nanoTime() - t0;
        if (r.state() != RunState.COMPLETED) {
            throw new IllegalStateException("a benchmark run did not complete: " + r.state() + ": " + r.message());
        }
        return t / 1e9;
    }

    private static double cachedGuard() throws Expressions.EvaluationException {
        try (Expressions expressions = new Expressions()) {
            Map<String, JsonNode> roots = Map.of("inputs", JSON.objectNode().put("n", 1),
                    "vm", JSON.objectNode().put("name", "bench-vm"));
            int truths = 0;
            for (int i = 0; i < GUARD_WARMUP; i++) {
                truths += expressions.test(CACHED_GUARD, roots) ? 1 : 0;
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < GUARD_EVALS; i++) {
                truths += expressions.test(CACHED_GUARD, roots) ? 1 : 0;
            }
            long t = System.nanoTime() - t0;
            if (truths != GUARD_WARMUP + GUARD_EVALS) {
                throw new IllegalStateException("the guard evaluated to false "
                        + (GUARD_WARMUP + GUARD_EVALS - truths) + " times");
            }
            return t / 1e9 / GUARD_EVALS;
        }
    }

    // ------------------------------------------------------------------------------------- the plan

    /** A test failover of {@code steps} no-op actions, optionally each guarded at run time. */
    static Plan plan(int steps, boolean guarded) {
        List<Plan.PlannedStep> list = new ArrayList<>(steps);
        for (int i = 0; i < steps; i++) {
            String id = "step-" + i;
            ObjectNode with = JSON.objectNode().put("note", "no-op " + i).put("index", i);
            Plan.Guard when = guarded ? new Plan.Guard(GUARD, Plan.Guard.AT_RUN_TIME) : null;
            list.add(new Plan.PlannedAction(String.valueOf(i + 1), id, id, null, "bench.noop", "do nothing",
                    false, with, null, null, when, null, null, null, null, null, null, false, "/steps/" + i));
        }
        Map<String, JsonNode> inputs = guarded ? Map.of("n", JSON.numberNode(1)) : Map.of();
        return new Plan(Plan.VERSION, new Plan.Source("bench", "1", "bench.yaml", "0".repeat(64)),
                new Plan.Source("bench-inventory", "1", "bench-inventory.yaml", "1".repeat(64)), "bench-vm",
                "test-failover", new Plan.Lifecycle(List.of("replication-ready"), "test-failover-active"), inputs,
                List.of("vm:bench-vm"), List.of(), list, List.of(), List.of(), bindings("bench-vm"), null,
                "bench-plan-" + steps + (guarded ? "-guarded" : ""));
    }

    private static Plan forVm(Plan p, String vm) {
        return new Plan(p.planVersion(), p.runbook(), p.inventory(), vm, p.operation(), p.lifecycle(), p.inputs(),
                List.of("vm:" + vm), p.prechecks(), p.steps(), p.finallySteps(), p.compensation(), bindings(vm),
                p.observed(), p.hash());
    }

    static Map<String, JsonNode> bindings(String vm) {
        Map<String, JsonNode> b = new LinkedHashMap<>();
        b.put("vm", JSON.objectNode().put("name", vm).put("domain", vm));
        b.put("recoverySite", JSON.objectNode().put("name", "recovery").put("uri", "test:///default"));
        b.put("protectedSite", JSON.objectNode().put("name", "protected").put("uri", "test:///default"));
        b.put("networks", JSON.objectNode().put("lan", "lan-recovery"));
        return b;
    }

    /** Does nothing and says so: what is left of a step is the engine's and the journal's work. */
    private static final class Noop implements Primitive {
        private static final PrimitiveSpec SPEC = new PrimitiveSpec("bench.noop", false, false, true, List.of(),
                Optional.empty(), "do nothing", false);

        @Override
        public PrimitiveSpec spec() {
            return SPEC;
        }

        @Override
        public JsonNode apply(Call call) {
            return JSON.objectNode();
        }
    }

    /**
     * Counts and times the journal writes, so the durable figure splits into commit time and the rest; the
     * wrapper's own cost (two clock reads a write) is far below a commit's.
     */
    private static final class Timed implements Journal {
        private final Journal inner;
        int writes;
        long writeNanos;
        long[] latencies = new long[4096];

        Timed(Journal inner) {
            this.inner = inner;
        }

        void reset() {
            writes = 0;
            writeNanos = 0;
        }

        @Override
        public Optional<Admission.Refusal> admit(Admission admission) {
            return inner.admit(admission);
        }

        @Override
        public Optional<Admission.Refusal> hold(String holder, List<String> locks, Admission.SiteClaim claim) {
            return inner.hold(holder, locks, claim);
        }

        @Override
        public List<Admission.Refusal> admitAll(RunRecord planRun, List<Admission> children) {
            return inner.admitAll(planRun, children);
        }

        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public String location() {
            return inner.location();
        }

        @Override
        public void write(List<Entry> entries) {
            long t0 = System.nanoTime();
            inner.write(entries);
            long t = System.nanoTime() - t0;
            writeNanos += t;
            if (writes == latencies.length) {
                latencies = Arrays.copyOf(latencies, writes * 2);
            }
            latencies[writes++] = t;
        }

        @Override
        public Optional<RunRecord> run(String id) {
            return inner.run(id);
        }

        @Override
        public List<RunRecord> runs() {
            return inner.runs();
        }

        @Override
        public List<Entry> entries(String runId, long afterSeq) {
            return inner.entries(runId, afterSeq);
        }

        @Override
        public List<Entry> entriesAfter(long afterSeq, int limit) {
            return inner.entriesAfter(afterSeq, limit);
        }

        @Override
        public List<LockRecord> locks() {
            return inner.locks();
        }

        @Override
        public List<LifecycleRecord> lifecycle() {
            return inner.lifecycle();
        }

        @Override
        public void subscribe(Consumer<Entry> listener) {
            inner.subscribe(listener);
        }

        @Override
        public void unsubscribe(Consumer<Entry> listener) {
            inner.unsubscribe(listener);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    // ------------------------------------------------------------------------------------ reporting

    private static void line(String label, String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, "%-" + LABEL + "s", label + ":")
                + String.format(Locale.ROOT, format, args));
    }

    private static String verdict(boolean ok) {
        return ok ? "PASS" : "FAIL";
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, "%.3f", seconds * 1e3);
    }

    private static String us(double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds * 1e6);
    }

    private static String two(double x) {
        return String.format(Locale.ROOT, "%.2f", x);
    }

    private static double mean(double[] xs) {
        return Arrays.stream(xs).average().orElse(Double.NaN);
    }

    /** Nearest-rank percentile. */
    private static double percentile(double[] xs, int p) {
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
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
}
