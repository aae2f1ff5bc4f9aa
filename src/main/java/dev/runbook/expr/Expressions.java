package dev.runbook.expr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.ResourceLimits;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * Sandboxed JavaScript expressions: no host access, no I/O, and per evaluation a statement limit, a time
 * limit and a memory bound. Every evaluation sees the same deterministic realm: its intrinsics and its
 * global object are frozen, the roots it is given are frozen copies, and what an expression has no use
 * for (the clock, randomness, code from strings, printing, shared memory) is not there. Each expression
 * is compiled once into a function of the scope's roots and cached. One instance per thread: a polyglot
 * context is single-threaded.
 */
public final class Expressions implements AutoCloseable {

    /** Statements one evaluation may execute before it is stopped. */
    public static final long STATEMENT_LIMIT = 100_000;

    /** How long one evaluation may run before it is stopped. */
    public static final Duration TIME_LIMIT = Duration.ofSeconds(2);

    /** How much the heap may grow while one evaluation runs before it is stopped. */
    public static final long MEMORY_LIMIT = 512L << 20;

    /**
     * Run once in each new context, before any expression: removes what an expression has no use for,
     * takes away the constructors that make code from strings, and freezes every object reachable from
     * the global object, so that no evaluation can leave anything behind for the next.
     */
    private static final String HARDEN = """
            (() => {
              'use strict';
              const g = globalThis;
              for (const name of ['eval', 'Function', 'load', 'loadWithNewGlobal', 'print', 'printErr', 'console',
                  'Graal', 'Polyglot', 'Java', 'Packages', 'java', 'javax', 'SharedArrayBuffer', 'Atomics', 'Date',
                  'Intl', 'WeakRef', 'FinalizationRegistry', 'quit', 'read', 'readbuffer', 'readline', 'performance',
                  'Temporal']) {
                delete g[name];
              }
              delete Math.random;
              for (const f of [function () {}, async function () {}, function* () {}, async function* () {}]) {
                Object.defineProperty(Object.getPrototypeOf(f), 'constructor', {value: undefined});
              }
              const seen = new Set();
              const freeze = (o) => {
                if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) {
                  return;
                }
                seen.add(o);
                Object.freeze(o);
                for (const key of Reflect.ownKeys(o)) {
                  const d = Object.getOwnPropertyDescriptor(o, key);
                  if (d !== undefined && 'value' in d) {
                    freeze(d.value);
                  }
                }
                freeze(Object.getPrototypeOf(o));
              };
              freeze(g);
            })()
            """;

    /** Parses a root's JSON into a deeply frozen value: an expression reads its roots, never changes them. */
    private static final String FROZEN_PARSE = """
            (text) => {
              const freeze = (o) => {
                if (typeof o === 'object' && o !== null) {
                  Object.freeze(o);
                  for (const key of Object.keys(o)) {
                    freeze(o[key]);
                  }
                }
                return o;
              };
              return freeze(JSON.parse(text));
            }""";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PREFIX = "(function(" + String.join(", ", Scope.ALL) + ") {\n\"use strict\";\nreturn (\n";
    private static final String SUFFIX = "\n);\n})";
    private static final int PREFIX_LINES = 3;

    private static Engine engine;

    private Context context;
    private Value jsonParse;
    private Value jsonStringify;
    private final Map<String, Value> compiled = new HashMap<>();
    // Which roots each expression reads: the others are not converted into the sandbox at all.
    private final Map<String, boolean[]> reads = new HashMap<>();
    // The same roots are passed again and again (one run, one inventory): keep their JS copies.
    private final JsonNode[] lastRoots = new JsonNode[Scope.ALL.size()];
    // Roots made afresh for each VM of a plan but alike for all its VMs (their sites, the network mappings, the
    // runbook): a copy equal to the last one converted reuses its JS value, which is frozen and so cannot differ.
    private static final boolean[] ALIKE_PER_VM = new boolean[Scope.ALL.size()];

    static {
        for (String name : List.of("protectedSite", "recoverySite", "networks", "runbook", "site", "sourceSite")) {
            ALIKE_PER_VM[Scope.ALL.indexOf(name)] = true;
        }
    }
    private final Value[] lastValues = new Value[Scope.ALL.size()];

    /** A compile error, with the 1-based line and column inside the expression. */
    public record CompileError(String message, int line, int column) {
    }

    /** An evaluation failure: the expression threw, ran too long, or produced no value. */
    public static final class EvaluationException extends Exception {
        public EvaluationException(String message) {
            super(message, null, false, false);
        }
    }

    public Expressions() {
        open();
    }

    /** A context whose statement limit was exceeded is cancelled for good, so a new one replaces it. */
    private void open() {
        compiled.clear();
        java.util.Arrays.fill(lastRoots, null);
        java.util.Arrays.fill(lastValues, null);
        ResourceLimits limits = ResourceLimits.newBuilder().statementLimit(STATEMENT_LIMIT, null).build();
        context = Context.newBuilder("js")
                .engine(sharedEngine())
                .sandbox(SandboxPolicy.CONSTRAINED)
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .resourceLimits(limits)
                .option("js.strict", "true")
                .build();
        jsonParse = context.eval("js", FROZEN_PARSE);
        jsonStringify = context.eval("js", "(v) => v === undefined ? undefined : JSON.stringify(v)");
        context.eval("js", HARDEN);
        WATCHDOG.watch(this);
    }

    private static synchronized Engine sharedEngine() {
        if (engine == null) {
            engine = Engine.newBuilder("js")
                    .sandbox(SandboxPolicy.CONSTRAINED)
                    .out(OutputStream.nullOutputStream())
                    .err(OutputStream.nullOutputStream())
                    .option("engine.WarnInterpreterOnly", "false")
                    .build();
        }
        return engine;
    }

    /** Parses without running; the error, if any, is placed inside the expression. */
    public Optional<CompileError> compile(String expression) {
        try {
            context.resetLimits();
            function(expression);
            return Optional.empty();
        } catch (PolyglotException e) {
            String[] lines = expression.split("\n", -1);
            int line = lines.length;
            int column = lines[lines.length - 1].length() + 1;
            var at = e.getSourceLocation();
            if (at != null && at.hasLines() && at.getStartLine() - PREFIX_LINES <= lines.length) {
                line = Math.max(1, at.getStartLine() - PREFIX_LINES);
                column = Math.max(1, at.getStartColumn());
            }
            return Optional.of(new CompileError(syntaxMessage(e), line, column));
        }
    }

    private static String syntaxMessage(PolyglotException e) {
        String first = e.getMessage() == null ? "syntax error" : e.getMessage().lines().findFirst().orElse("");
        return first.replaceFirst("^(SyntaxError: )?(expression\\.js:)?[0-9]+:[0-9]+ ", "").trim();
    }

    /** Root names the expression reads that the scope does not define. */
    public static Set<String> unknownNames(String expression) {
        Set<String> names = FreeNames.of(expression);
        names.removeAll(Scope.ALL);
        return names;
    }

    /** The root names the expression reads. */
    public static Set<String> namesRead(String expression) {
        return FreeNames.of(expression);
    }

    /** The expression with the contents of its string literals blanked out, offsets kept. */
    public static String withoutStrings(String expression) {
        return FreeNames.blankStrings(expression);
    }

    /** The root names the expression reads, each with the offset of its first read in the expression. */
    public static Map<String, Integer> firstReads(String expression) {
        return FreeNames.firstReads(expression);
    }

    /** True when the expression reads a root known only while running. */
    public static boolean isDynamic(String expression) {
        Set<String> names = FreeNames.of(expression);
        return Scope.DYNAMIC.stream().anyMatch(names::contains);
    }

    /** Evaluates with the given roots; roots not given are undefined. The result is plain JSON. */
    public JsonNode evaluate(String expression, Map<String, JsonNode> roots) throws EvaluationException {
        JsonNode direct = PlainPath.read(expression, roots);
        if (direct != null) {
            return direct;
        }
        Value function;
        try {
            context.resetLimits();
            function = function(expression);
        } catch (PolyglotException e) {
            throw new EvaluationException("does not compile: " + syntaxMessage(e));
        }
        boolean[] read = reads.computeIfAbsent(expression, e -> {
            Set<String> names = FreeNames.of(e);
            boolean[] r = new boolean[Scope.ALL.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = names.contains(Scope.ALL.get(i));
            }
            return r;
        });
        Object[] args = new Object[Scope.ALL.size()];
        for (int i = 0; i < args.length; i++) {
            JsonNode root = read[i] ? roots.get(Scope.bound(Scope.ALL.get(i))) : null;
            if (root == null) {
                args[i] = null;
            } else if (root == lastRoots[i] || ALIKE_PER_VM[i] && root.equals(lastRoots[i])) {
                args[i] = lastValues[i];
            } else {
                lastValues[i] = toJs(root);
                lastRoots[i] = root;
                args[i] = lastValues[i];
            }
        }
        try {
            context.resetLimits();
            Value result = watched(function, args);
            if (result.isBoolean()) {
                return com.fasterxml.jackson.databind.node.BooleanNode.valueOf(result.asBoolean());
            }
            if (result.isString()) {
                return com.fasterxml.jackson.databind.node.TextNode.valueOf(result.asString());
            }
            Value json = jsonStringify.execute(result);
            if (json.isNull()) {
                throw new EvaluationException("evaluated to undefined");
            }
            return MAPPER.readTree(json.asString());
        } catch (PolyglotException e) {
            String stopped = stopReason;
            if (stopped != null) {
                throw new EvaluationException(stopped + " and was stopped");
            }
            if (e.isResourceExhausted() || e.isCancelled()) {
                context.close(true);
                open();
                throw new EvaluationException("ran more than " + STATEMENT_LIMIT + " statements and was stopped");
            }
            throw new EvaluationException(shorten(e.getMessage()));
        } catch (JsonProcessingException e) {
            throw new EvaluationException("produced a value that is not plain data");
        }
    }

    /** Evaluates a condition; anything but a boolean is an error, so that a typo cannot read as false. */
    public boolean test(String expression, Map<String, JsonNode> roots) throws EvaluationException {
        JsonNode value = evaluate(expression, roots);
        if (!value.isBoolean()) {
            throw new EvaluationException("must be true or false but was " + value);
        }
        return value.booleanValue();
    }

    // ----------------------------------------------------------------------------- time and memory

    /** When the running evaluation started (System.nanoTime), or 0 while none runs; read by the watchdog. */
    private volatile long startedAt;
    /** Why the watchdog stopped the running evaluation, or null. */
    private volatile String stopReason;
    /** The heap's use when the watchdog first saw the running evaluation, or -1. */
    private long heapBefore = -1;

    private Value watched(Value function, Object[] args) {
        stopReason = null;
        startedAt = System.nanoTime();
        try {
            return function.execute(args);
        } finally {
            startedAt = 0;
        }
    }

    /** Called by the watchdog, about every 20 ms, while an evaluation runs. */
    private void check(long now) {
        long started = startedAt;
        if (started == 0) {
            heapBefore = -1;
            return;
        }
        String reason = null;
        if (now - started > TIME_LIMIT.toNanos()) {
            reason = "ran longer than " + TIME_LIMIT.toSeconds() + " s";
        } else {
            long used = HEAP.getHeapMemoryUsage().getUsed();
            if (heapBefore < 0) {
                heapBefore = used;
            } else if (used - heapBefore > MEMORY_LIMIT) {
                reason = "used more than " + (MEMORY_LIMIT >> 20) + " MiB of memory";
            }
        }
        if (reason != null && startedAt == started) {
            stopReason = reason;
            heapBefore = -1;
            try {
                context.interrupt(Duration.ofSeconds(10));
            } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
                // the evaluation ended meanwhile, or will see its stop reason when it does
            }
        }
    }

    private static final java.lang.management.MemoryMXBean HEAP = java.lang.management.ManagementFactory.getMemoryMXBean();
    private static final Watchdog WATCHDOG = new Watchdog();

    /** One daemon thread that looks at every open sandbox's running evaluation. */
    private static final class Watchdog {
        private final java.util.List<java.lang.ref.WeakReference<Expressions>> watched =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        private Thread thread;

        synchronized void watch(Expressions e) {
            if (watched.stream().noneMatch(w -> w.get() == e)) {
                watched.add(new java.lang.ref.WeakReference<>(e));
            }
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name("expression-watchdog").start(this::loop);
            }
        }

        private void loop() {
            while (true) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                for (var ref : watched) {
                    Expressions e = ref.get();
                    if (e == null) {
                        watched.remove(ref);
                    } else {
                        e.check(now);
                    }
                }
            }
        }
    }

    private Value function(String expression) {
        Value f = compiled.get(expression);
        if (f == null) {
            f = context.eval(Source.newBuilder("js", PREFIX + expression + SUFFIX, "expression.js").buildLiteral());
            compiled.put(expression, f);
        }
        return f;
    }

    private Value toJs(JsonNode node) {
        if (node instanceof NullNode) {
            return jsonParse.execute("null");
        }
        return jsonParse.execute(node.toString());
    }

    private static String shorten(String message) {
        if (message == null) {
            return "failed";
        }
        String s = message.replace("expression.js:", "").replaceAll("\\s+", " ").trim();
        return s.length() > 200 ? s.substring(0, 197) + "..." : s;
    }

    @Override
    public void close() {
        context.close();
    }
}
