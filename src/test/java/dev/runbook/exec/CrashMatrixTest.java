package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.cli.CrashTrials;
import dev.runbook.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * A child JVM runs a runbook through the CLI and is killed with SIGKILL at each journal boundary in turn
 * (after every journal commit and after every primitive call, before it is recorded). {@code runbook
 * resume} then completes or compensates the run; no step is applied twice, and the site ends as an
 * uninterrupted run leaves it.
 */
@Tag("crash")
class CrashMatrixTest {

    @TempDir
    Path root;

    private int dirs;

    @Test
    void testFailoverSurvivesKillAtEveryBoundary() throws Exception {
        matrix("test-failover", "app02", null);
    }

    @Test
    void plannedFailoverSurvivesKillAtEveryBoundary() throws Exception {
        matrix("planned-failover", "app02", null);
    }

    @Test
    void rollbackSurvivesKillAtEveryBoundary() throws Exception {
        matrix("rollback", "app02", "test-failover");
    }

    @Test
    void failbackCommitSurvivesKillAtEveryBoundary() throws Exception {
        matrix("commit", "app02", "failback"); // performed by failback-commit.yaml
    }

    private void matrix(String runbook, String vm, String before) throws Exception {
        Path traceDir = next();
        Path trace = traceDir.resolve("trace.txt");
        Map<String, String> expected;
        try (Harness h = new Harness(traceDir)) {
            String parent = setUp(h, vm, before);
            h.journal.close();
            int code = child(h, runbook, vm, parent, "-Drunbook.crash.trace=" + trace);
            assertEquals(0, code, "the uninterrupted run failed: " + Files.readString(traceDir.resolve("child.log")));
            try (Harness after = reopen(h)) {
                expected = settled(after);
            }
        }
        int boundaries = Files.readAllLines(trace).size();
        assertTrue(boundaries > 5, "too few boundaries: " + boundaries);
        List<String> problems = CrashTrials.run(boundaries, k -> trial(k, runbook, vm, before, expected));
        int consistent = boundaries - problems.size();
        System.out.println("crash matrix " + runbook + "/" + vm + ": " + boundaries + " trials, " + consistent + " consistent");
        assertEquals(List.of(), problems);
    }

    /** Kill the child at boundary {@code k}, resume, and compare the site with {@code expected}. */
    private List<String> trial(int k, String runbook, String vm, String before, Map<String, String> expected)
            throws Exception {
        Harness h;
        String parent;
        synchronized (CrashTrials.IN_PROCESS) {
            h = new Harness(next());
            parent = setUp(h, vm, before);
            h.journal.close();
        }
        int code = child(h, runbook, vm, parent, "-Drunbook.crash.at=" + k);
        synchronized (CrashTrials.IN_PROCESS) {
            try (h) {
                if (code != 137) {
                    return List.of("boundary " + k + ": the child was not killed (exit " + code + ")");
                }
                String problem = resumeAndCheck(h, expected);
                return problem == null ? List.of() : List.of("boundary " + k + ": " + problem);
            }
        }
    }

    private Path next() throws IOException {
        return Files.createDirectory(root.resolve("c" + (dirs++)));
    }

    private static String setUp(Harness h, String vm, String before) {
        if (before == null) {
            return null;
        }
        if (before.equals("failback")) { // failover, commit, reprotect, failback and its decision
            return FaultMatrixTest.setUp(h, new FaultMatrixTest.Scenario("failback-commit", vm));
        }
        Result r = h.run(before, vm, Map.of(), Faults.none(), null);
        assertEquals(RunState.COMPLETED, r.state(), r.message());
        return r.runId();
    }

    /** Resumes every unfinished run, newest first, then compares with the uninterrupted outcome. */
    private static String resumeAndCheck(Harness h, Map<String, String> expected) {
        try (SqliteJournal journal = SqliteJournal.open(h.site.journal)) {
            for (RunRecord r : journal.runs()) {
                RunState state = RunState.of(r.state());
                if (state.isFinal() || state == RunState.AWAITING_DECISION) {
                    continue;
                }
                StringWriter out = new StringWriter();
                int code = Main.execute(new String[] {"resume", r.id(), "--journal", h.site.journal.toString()},
                        new PrintWriter(out), new PrintWriter(out));
                if (code != 0) {
                    return "resume of " + r.id() + " exited " + code + ": " + out;
                }
            }
        }
        try (Harness after = reopen(h)) {
            List<String> twice = after.appliedTwice();
            if (!twice.isEmpty()) {
                return "applied twice: " + twice;
            }
            Map<String, String> now = settled(after);
            if (!now.equals(expected)) {
                return "the site differs from an uninterrupted run: " + CrashTrials.differences(expected, now);
            }
        }
        return null;
    }

    private static Harness reopen(Harness h) {
        return new Harness(h.site.dir, true);
    }

    /** The site's state and where each run ended. */
    private static Map<String, String> settled(Harness h) {
        Map<String, String> out = new java.util.TreeMap<>(FaultMatrixTest.flat(h));
        List<RunRecord> runs = new ArrayList<>(h.journal.runs());
        java.util.Collections.reverse(runs);
        for (int i = 0; i < runs.size(); i++) {
            out.put("run-" + (i + 1), runs.get(i).state());
        }
        h.journal.lifecycle().forEach(l -> out.put("lifecycle/" + l.vm(), l.state()));
        return out;
    }

    private static int child(Harness h, String runbook, String vm, String parent, String... props) throws Exception {
        List<String> cmd = new ArrayList<>(dev.runbook.cli.ChildJvm.command(props));
        if (parent == null) {
            cmd.addAll(List.of("run", "runbooks/" + runbook + ".yaml", "-i", h.site.inventory.toString(), "--vm", vm));
        } else {
            cmd.addAll(List.of(runbook, parent));
        }
        cmd.addAll(List.of("--journal", h.site.journal.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(h.site.dir.resolve("child.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child did not end within 120 s; see " + h.site.dir.resolve("child.log"));
        }
        return p.exitValue();
    }
}
