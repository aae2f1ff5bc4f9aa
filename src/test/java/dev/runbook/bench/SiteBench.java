package dev.runbook.bench;

import dev.runbook.app.Reporter;
import dev.runbook.app.Runs;
import dev.runbook.app.Status;
import dev.runbook.demo.DemoSite;
import dev.runbook.exec.RecoveryRun;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.plan.Pipeline;
import dev.runbook.plan.SitePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;

/**
 * Site scale: what the interpreter costs for a recovery plan of many VMs, on a demo site made by
 * {@code runbook demo init DIR --vms N} (libvirt's test driver, qcow2 disks). It prints, with the machine:
 * <ul>
 *   <li>the plan of the site's generated recovery plan (every VM bound, planned, its guest scripts rendered), warm
 *       in this JVM and cold through the CLI, JVM start included;</li>
 *   <li>one run of that plan: its wall time, per VM, the peak heap, the journal's bytes per VM;</li>
 *   <li>while that run goes on, served by a server on its journal: {@code GET /api/runs/{id}} of the plan run under
 *       {@code wrk}, and the delivery latency of its events to 100 SSE subscribers;</li>
 *   <li>the plan run's status tree ({@code GET /api/runs/{id}}'s body) built in this JVM, p50 and p99;</li>
 *   <li>a run of that plan over a {@link SlowLink} that adds 200 ms to every hypervisor and storage call, next to
 *       the critical-path bound: the shortest time any scheduler could take with those latencies, the plan's
 *       concurrency and its tiers, worked out from the calls each VM made.</li>
 * </ul>
 * Usage: {@code SiteBench [PLAN_VMS [RUN_VMS [SLOW_VMS [DIR]]]]} (defaults 1000, 100, 500, target/bench); 0 skips
 * a part. The exit status is 0 whether or not a bar is met.
 */
public final class SiteBench {

    private SiteBench() {
    }

    public static void main(String[] args) throws Exception {
        int planVms = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int runVms = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int slowVms = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        Path base = Path.of(args.length > 3 ? args[3] : "target/bench");
        Files.createDirectories(base);
        Path work = Files.createTempDirectory(base.toAbsolutePath(), "site-");
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, JDK %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"), Runtime.version());

        if (planVms > 0) {
            plan(work, planVms);
        }
        if (runVms > 0) {
            run(work, runVms);
        }
        if (slowVms > 0) {
            slowRun(work, slowVms, new SlowLink(Duration.ofMillis(200)));
        }
    }

    /** Plannings of the big plan before the measured ones. */
    private static final int WARM_UPS = 8;

    private static void plan(Path work, int planVms) throws Exception {
        long t = System.nanoTime();
        DemoSite.Made big = DemoSite.init(work.resolve("plan-site"), planVms + DemoSite.NAMED);
        System.out.printf(Locale.ROOT, "demo init --vms %d: %.1f s%n", planVms + DemoSite.NAMED, secs(t));
        Path plan = big.dir().resolve("recovery-plan.yaml");
        double[] warm = new double[5];
        try (Pipeline pipeline = new Pipeline()) {
            // Warm means compiled: the first plannings run interpreted or in C1 and take 1.3 to 2 times as long.
            for (int i = -WARM_UPS; i < warm.length; i++) {
                long s = System.nanoTime();
                var planned = pipeline.recoveryPlan(plan, big.inventory(), Path.of("runbooks"), null);
                SitePlan p = planned.value().orElseThrow(() -> new AssertionError(planned.diagnostics().toString()));
                if (p.vms().size() != planVms) {
                    throw new AssertionError(p.vms().size() + " VMs planned, not " + planVms);
                }
                if (i >= 0) {
                    warm[i] = secs(s);
                }
            }
        }
        Arrays.sort(warm);
        System.out.printf(Locale.ROOT, "plan of %d VMs, warm (in this JVM, after %d runs): median %.3f s  min %.3f s"
                + "  (%.2f ms per VM)   bar < 1 s: %s%n", planVms, WARM_UPS, warm[2], warm[0], warm[2] * 1000 / planVms,
                warm[2] < 1 ? "PASS" : "FAIL");
        double cold = cold(plan, big.inventory());
        System.out.printf(Locale.ROOT, "plan of %d VMs, cold (runbook plan, a new JVM):  %.2f s   bar < 3 s: %s%n",
                planVms, cold, cold < 3 ? "PASS" : "FAIL");

    }

    /** A run over a slow link, next to the critical-path bound its calls allow. */
    private static void slowRun(Path work, int vms, SlowLink link) throws Exception {
        DemoSite.Made site = DemoSite.init(work.resolve("slow-site"), vms + DemoSite.NAMED);
        Path plan = site.dir().resolve("recovery-plan.yaml");
        Path journalFile = site.dir().resolve("journal.db");
        try (Pipeline pipeline = new Pipeline(); SqliteJournal journal = SqliteJournal.open(journalFile)) {
            var planned = pipeline.recoveryPlan(plan, site.inventory(), Path.of("runbooks"), null);
            SitePlan p = planned.value().orElseThrow(() -> new AssertionError(planned.diagnostics().toString()));
            String[] admitted = new String[1];
            long t = System.nanoTime();
            var ended = new Runs(journal, journalFile).through(link).startPlan(p, plan, site.inventory(),
                    pipeline.expressions(), false, a -> admitted[0] = a, Reporter.NONE);
            double wall = secs(t);
            double bound = criticalPath(p, admitted[0], link);
            System.out.printf(Locale.ROOT, "run of %d VMs over a link adding %d ms to each hypervisor and storage call"
                    + " (at most %d at once): %.1f s wall; %s%n", vms, link.latency().toMillis(), p.concurrency(), wall,
                    firstLine(ended.message()));
            System.out.printf(Locale.ROOT, "  critical-path bound: %.1f s   wall / bound: %.2f   bar <= 1.10: %s%n",
                    bound, wall / bound, wall / bound <= 1.10 ? "PASS" : "FAIL");
        }
    }

    /**
     * The least time the plan run could take: every VM's prechecks (its probe calls, each one latency) spread
     * over the plan's concurrency, then tier after tier every VM's changes spread the same way; each spread is
     * the makespan of list scheduling in plan order, the scheduler's own order.
     */
    private static double criticalPath(SitePlan plan, String planRun, SlowLink link) {
        double latency = link.latency().toMillis() / 1000.0;
        List<Double> prechecks = plan.vms().stream()
                .map(vm -> link.probes(RecoveryRun.childId(planRun, vm.vm())) * latency).toList();
        double total = makespan(prechecks, plan.concurrency());
        for (SitePlan.Tier tier : plan.tiers()) {
            int slots = tier.concurrency() == null ? plan.concurrency() : Math.min(tier.concurrency(), plan.concurrency());
            total += makespan(tier.vms().stream()
                    .map(vm -> link.changes(RecoveryRun.childId(planRun, vm.vm())) * latency).toList(), slots);
        }
        return total;
    }

    private static double makespan(List<Double> durations, int slots) {
        PriorityQueue<Double> free = new PriorityQueue<>();
        for (int i = 0; i < slots; i++) {
            free.add(0.0);
        }
        double end = 0;
        for (double d : durations) {
            double finish = free.poll() + d;
            free.add(finish);
            end = Math.max(end, finish);
        }
        return end;
    }

    private static void run(Path work, int vms) throws Exception {
        DemoSite.Made site = DemoSite.init(work.resolve("run-site"), vms + DemoSite.NAMED);
        Path plan = site.dir().resolve("recovery-plan.yaml");
        Path journalFile = site.dir().resolve("journal.db");
        String token = dev.runbook.server.Tokens.token(site.dir().resolve("server.token"), x -> { });
        long t = System.nanoTime();
        String id;
        try (HeapWatch heap = HeapWatch.start(); Pipeline pipeline = new Pipeline();
             dev.runbook.server.Server server = new dev.runbook.server.Server(journalFile, token,
                     new dev.runbook.server.Folders(Path.of("runbooks"), site.dir()), List.of()).start("127.0.0.1", 0)) {
            dev.runbook.exec.Journal journal = server.journal();
            var planned = pipeline.recoveryPlan(plan, site.inventory(), Path.of("runbooks"), null);
            SitePlan p = planned.value().orElseThrow(() -> new AssertionError(planned.diagnostics().toString()));
            java.util.concurrent.CompletableFuture<String> admitted = new java.util.concurrent.CompletableFuture<>();
            var running = java.util.concurrent.CompletableFuture.supplyAsync(() -> new Runs(journal, journalFile)
                    .startPlan(p, plan, site.inventory(), pipeline.expressions(), false, admitted::complete,
                            Reporter.NONE));
            id = admitted.get();
            underLoad("http://127.0.0.1:" + server.port(), id, token, running, journal);
            var ended = running.get();
            System.out.printf(Locale.ROOT, "run of %d VMs (test failover, at most 32 at once): %.1f s wall, %.0f ms per VM;"
                    + " %s%n", vms, secs(t), secs(t) * 1000 / vms, firstLine(ended.message()));
            System.out.printf(Locale.ROOT, "  heap during the run (server, SSE clients and wrk in the same JVM): %s"
                    + "   bar (1,000 VMs) < 256 MiB kept: %s%n", heap.summary(), heap.maxAfterGcMiB() < 256 ? "PASS" : "FAIL");
            long bytes = Files.size(journalFile) + sizeIfAny(journalFile.resolveSibling("journal.db-wal"));
            System.out.printf(Locale.ROOT, "  journal: %d KiB, %.1f KiB per VM (%d entries)%n", bytes >> 10,
                    bytes / 1024.0 / vms, journal.lastSeq());
            RunRecord r = journal.run(id).orElseThrow();
            double[] each = new double[50];
            for (int i = -5; i < each.length; i++) {
                long s = System.nanoTime();
                Status.detail(journal, r);
                if (i >= 0) {
                    each[i] = (System.nanoTime() - s) / 1e6;
                }
            }
            Arrays.sort(each);
            System.out.printf(Locale.ROOT, "  the plan run's status tree (GET /api/runs/{id}'s body): p50 %.1f ms  p99 %.1f ms"
                    + "   bar < 100 ms: %s%n", each[25], each[49], each[49] < 100 ? "PASS" : "FAIL");
        }
    }

    /**
     * The status API and the event stream while the run goes on: a third of the way into it (by the VMs settled),
     * 100 SSE subscribers on every event for 10 s, then wrk on the plan run's detail for 10 s.
     */
    private static void underLoad(String base, String planRun, String token,
                                  java.util.concurrent.Future<?> running, dev.runbook.exec.Journal journal) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        while (!running.isDone()) {
            String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/runs/" + planRun))
                    .header("Authorization", "Bearer " + token).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            var counts = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("plan").path("counts");
            if (counts.path("succeeded").asInt() + counts.path("failed").asInt() >= counts.path("total").asInt() / 3) {
                break;
            }
            Thread.sleep(1000);
        }
        if (running.isDone()) {
            System.out.println("  the run ended before the status API could be measured under load");
            return;
        }
        // When each entry became durable (the journal's listeners hear it after its commit), to split the latency.
        java.util.Map<Long, java.time.Instant> durable = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<Long, java.time.Instant> made = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<Long, String> what = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.function.Consumer<dev.runbook.exec.Entry> listener = e -> {
            durable.put(e.seq(), java.time.Instant.now());
            made.put(e.seq(), e.at());
            what.put(e.seq(), e.kind().id() + " " + e.state() + (e.step() == null ? "" : " " + e.step()));
        };
        journal.subscribe(listener);
        List<Double> latencies = sse(base, token, 100, Duration.ofSeconds(10));
        journal.unsubscribe(listener);
        List<Double> toDurable = new ArrayList<>();
        durable.forEach((seq, at) -> toDurable.add(Duration.between(made.get(seq), at).toNanos() / 1e6));
        Collections.sort(toDurable);
        Collections.sort(latencies);
        System.out.printf(Locale.ROOT, "  SSE during the run, 100 subscribers for 10 s: %d deliveries; latency from the entry's"
                + " making to the client: p50 %.2f ms  p99 %.2f ms   bar p99 < 50 ms: %s%n", latencies.size(),
                percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 99) < 50 ? "PASS" : "FAIL");
        System.out.printf(Locale.ROOT, "    of which from the entry's making to its commit (%d entries): p50 %.2f ms  p99 %.2f ms%n",
                toDurable.size(), percentile(toDurable, 50), percentile(toDurable, 99));
        java.util.Map<String, List<Double>> byWhat = new java.util.TreeMap<>();
        durable.forEach((seq, at) -> byWhat.computeIfAbsent(what.get(seq).replaceAll(" [^ ]*$", ""), k -> new ArrayList<>())
                .add(Duration.between(made.get(seq), at).toNanos() / 1e6));
        byWhat.entrySet().stream().sorted((a, b) -> Double.compare(Collections.max(b.getValue()), Collections.max(a.getValue())))
                .limit(5).forEach(e -> System.out.printf(Locale.ROOT, "      %s: %d entries, max %.0f ms%n", e.getKey(),
                        e.getValue().size(), Collections.max(e.getValue())));
        System.out.print("  during the run, ");
        ServerBench.wrk(base + "/api/runs/" + planRun, token);
    }

    /** Subscribes {@code clients} plain sockets to every event for {@code how} long; each delivery's latency. */
    private static List<Double> sse(String base, String token, int clients, Duration how) throws Exception {
        java.net.URI events = java.net.URI.create(base + "/api/events");
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        List<java.net.Socket> sockets = Collections.synchronizedList(new ArrayList<>());
        java.util.regex.Pattern at = java.util.regex.Pattern.compile("\"at\":\"([^\"]+)\"");
        java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(clients);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (java.net.Socket socket = new java.net.Socket(events.getHost(), events.getPort())) {
                    sockets.add(socket);
                    socket.getOutputStream().write(("GET /api/events HTTP/1.0\r\nHost: " + events.getHost()
                            + "\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                            socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                    boolean headers = true;
                    for (String line; (line = in.readLine()) != null; ) {
                        if (headers && line.isEmpty()) {
                            headers = false;
                            connected.countDown();
                        }
                        java.util.regex.Matcher m = at.matcher(line);
                        if (line.startsWith("data: ") && m.find()) {
                            latencies.add(Duration.between(java.time.Instant.parse(m.group(1)),
                                    java.time.Instant.now()).toNanos() / 1e6);
                        }
                    }
                } catch (Exception e) {
                    // closed at the end
                }
            }));
        }
        connected.await(30, java.util.concurrent.TimeUnit.SECONDS);
        latencies.clear(); // from here on, every subscriber is in
        Thread.sleep(how.toMillis());
        List<Double> out = new ArrayList<>(latencies);
        for (java.net.Socket s : sockets) {
            s.close();
        }
        for (Thread t : threads) {
            t.join();
        }
        return out;
    }

    private static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static double cold(Path plan, Path inventory) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dpolyglot.engine.WarnInterpreterOnly=false"));
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.runbook.cli.Main", "plan", plan.toString(),
                "-i", inventory.toString()));
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long s = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) {
                throw new AssertionError("runbook plan exited " + p.exitValue());
            }
            best = Math.min(best, secs(s));
        }
        return best;
    }

    private static long sizeIfAny(Path f) throws java.io.IOException {
        return Files.exists(f) ? Files.size(f) : 0;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
