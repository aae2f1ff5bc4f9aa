package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.cli.ChildJvm;
import dev.runbook.cli.CrashTrials;
import dev.runbook.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash matrix over a small recovery plan: a child JVM runs a two-tier plan (db01, then app02 after it) and is
 * killed with SIGKILL at each journal boundary in turn; {@code runbook resume} of the plan run then finishes it.
 * Every VM must end as an uninterrupted run leaves it, no step applied twice, each VM settled once.
 */
@Tag("crash")
class RecoveryPlanCrashTest {

    private static final String PLAN = """
            apiVersion: runbooks/v1
            kind: RecoveryPlan
            metadata: {name: pair, version: 1.0.0}
            spec:
              operation: test-failover
              tiers:
                - name: database
                  vms:
                    - {name: db01, gates: [{expression: "run.state == 'completed'", timeout: 5s}]}
                - name: application
                  vms:
                    - {name: app02, after: [db01], gates: [{expression: "run.state == 'completed'", timeout: 5s}]}
            """;

    @TempDir
    Path root;

    @Test
    void aRecoveryPlanKilledAtEveryBoundaryResumesToTheSameSites() throws Exception {
        Path baseline = Files.createDirectory(root.resolve("baseline"));
        Path trace = root.resolve("trace.txt");
        Map<String, String> expected;
        try (Harness h = new Harness(baseline)) {
            h.journal.close();
            assertEquals(0, child(h, "-Drunbook.crash.trace=" + trace), Files.readString(baseline.resolve("child.log")));
        }
        try (Harness after = new Harness(baseline, true)) {
            expected = settled(after);
        }
        assertEquals("completed", expected.get("run plan:pair"), expected.toString());
        int boundaries = Files.readAllLines(trace).size();
        assertTrue(boundaries > 20, "too few boundaries: " + boundaries);
        List<String> problems = CrashTrials.run(boundaries, k -> trial(k, expected));
        System.out.println("crash matrix recovery plan db01+app02: " + boundaries + " trials, "
                + (boundaries - problems.size()) + " consistent");
        assertEquals(List.of(), problems);
    }

    private List<String> trial(int k, Map<String, String> expected) throws Exception {
        Harness h;
        synchronized (CrashTrials.IN_PROCESS) {
            h = new Harness(Files.createDirectory(root.resolve("k" + k)));
            h.journal.close();
        }
        int code = child(h, "-Drunbook.crash.at=" + k);
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

    /** Resumes the plan run as an operator would (its VMs' runs with it), then compares. */
    private static String resumeAndCheck(Harness h, Map<String, String> expected) {
        try (SqliteJournal journal = SqliteJournal.open(h.site.journal)) {
            for (RunRecord r : journal.runs()) {
                if (r.planRun() != null) {
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
        try (Harness after = new Harness(h.site.dir, true)) {
            List<String> twice = after.appliedTwice();
            if (!twice.isEmpty()) {
                return "applied twice: " + twice;
            }
            Map<String, String> now = settled(after);
            if (!now.equals(expected)) {
                return "the sites differ from an uninterrupted run: " + CrashTrials.differences(expected, now);
            }
        }
        return null;
    }

    /** The sites, each run's state by VM, each VM's lifecycle and how many times it settled in the plan. */
    private static Map<String, String> settled(Harness h) {
        Map<String, String> out = new TreeMap<>(FaultMatrixTest.flat(h));
        out.keySet().removeIf(k -> k.contains("run-")); // run ids differ per trial; states are kept below
        for (RunRecord r : h.journal.runs()) {
            out.put("run " + r.vm(), r.state());
            if (r.planRun() == null) {
                Map<String, Integer> settles = new TreeMap<>();
                h.journal.entries(r.id(), 0).stream().filter(e -> e.kind() == Entry.Kind.NOTE && e.step() != null
                        && e.state().startsWith("vm-")).forEach(e -> settles.merge(e.step() + " " + e.state(), 1, Integer::sum));
                out.put("settled", settles.toString());
            }
        }
        h.journal.lifecycle().forEach(l -> out.put("lifecycle/" + l.vm(), l.state()));
        return out;
    }

    private static int child(Harness h, String... props) throws Exception {
        Path plan = Files.writeString(h.site.dir.resolve("pair.yaml"), PLAN);
        List<String> cmd = new ArrayList<>(ChildJvm.command(props));
        cmd.addAll(List.of("run", plan.toString(), "-i", h.site.inventory.toString(), "--journal",
                h.site.journal.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(h.site.dir.resolve("child.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child did not end within 120 s; see " + h.site.dir.resolve("child.log"));
        }
        return p.exitValue();
    }
}
