package dev.runbook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.demo.DemoFixture;
import dev.runbook.exec.RunRecord;
import dev.runbook.exec.SqliteJournal;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.libvirt.QemuImg;
import dev.runbook.primitive.libvirt.Session;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The crash matrix on a libvirt site: a child JVM runs a test or planned failover of app02 on a demo site (libvirt's
 * test driver, qcow2 disks), a rollback of a test failover, or the commit of a failback, and is killed with SIGKILL at each journal boundary in turn; {@code runbook
 * resume} then finishes it. The site must end as an uninterrupted run leaves it (domains' definitions and
 * power states, the export, one rollback snapshot), with no intent left unsettled.
 */
@Tag("crash")
class DemoSiteCrashTest {

    private static final String[] DOMAINS = {"ctrl-app02", "ctrl-web01", "ctrl-win03"};

    @TempDir
    Path root;

    /** What runs before the child, on a fresh site: returns the run the child decides, or null. */
    @FunctionalInterface
    private interface Before {
        String on(DemoFixture site) throws Exception;
    }

    private static final Before NOTHING = site -> null;

    @Test
    void aTestFailoverKilledAtEveryBoundaryResumesToTheSameSite() throws Exception {
        matrix("test-failover", NOTHING);
    }

    @Test
    void aPlannedFailoverKilledAtEveryBoundaryResumesToTheSameSite() throws Exception {
        matrix("planned-failover", NOTHING);
    }

    @Test
    void aRollbackKilledAtEveryBoundaryResumesToTheSameSite() throws Exception {
        matrix("rollback", site -> ran(site, "test-failover"));
    }

    @Test
    void aCommitKilledAtEveryBoundaryResumesToTheSameSite() throws Exception {
        matrix("commit", site -> ran(site, "planned-failover"));
    }

    /** The commit of a failback: replication forward, the controller's definition back, a full sync. */
    @Test
    void aFailbackCommitKilledAtEveryBoundaryResumesToTheSameSite() throws Exception {
        matrix("commit", site -> {
            String failover = ran(site, "planned-failover");
            ok(Cli.run("commit", failover, "--journal", site.journal.toString()));
            ran(site, "reprotect");
            return ran(site, "failback");
        });
    }

    private static String ran(DemoFixture site, String runbook) {
        Cli c = ok(Cli.run("run", "runbooks/" + runbook + ".yaml", "-i", site.inventory.toString(), "--vm", "app02",
                "--journal", site.journal.toString()));
        return LifecycleCliTest.runId(c);
    }

    private static Cli ok(Cli c) {
        assertEquals(0, c.code(), c.out() + c.err());
        return c;
    }

    /** {@code command} is a runbook to run, or commit or rollback of the run {@code before} leaves. */
    private void matrix(String command, Before before) throws Exception {
        DemoFixture baseline = new DemoFixture(Files.createDirectory(root.resolve("baseline")));
        Path trace = root.resolve("trace.txt");
        String decided = before.on(baseline);
        assertEquals(0, child(baseline, command, decided, "-Drunbook.crash.trace=" + trace),
                Files.readString(baseline.dir.resolve("child.log")));
        Map<String, String> expected = settled(baseline);
        int boundaries = Files.readAllLines(trace).size();
        assertTrue(boundaries > 5, "too few boundaries: " + boundaries);

        List<String> problems = CrashTrials.run(boundaries, k -> trial(k, command, before, expected));
        long consistent = boundaries - problems.stream().map(p -> p.substring(0, p.indexOf(':'))).distinct().count();
        System.out.println("crash matrix " + command + "/app02 on a libvirt demo site: " + boundaries + " trials, "
                + consistent + " consistent");
        assertEquals(List.of(), problems);
    }

    /** Kill the child at boundary {@code k}, resume, and compare the site with {@code expected}. */
    private List<String> trial(int k, String command, Before before, Map<String, String> expected) throws Exception {
        DemoFixture site;
        String decided;
        synchronized (CrashTrials.IN_PROCESS) {
            site = new DemoFixture(Files.createDirectory(root.resolve("k" + k)));
            decided = before.on(site);
        }
        int code = child(site, command, decided, "-Drunbook.crash.at=" + k);
        if (code != 137) {
            return List.of("boundary " + k + ": the child was not killed (exit " + code + ")");
        }
        List<String> problems = new ArrayList<>();
        synchronized (CrashTrials.IN_PROCESS) {
            try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
                for (RunRecord r : journal.runs()) {
                    StringWriter out = new StringWriter();
                    int resumed = Main.execute(new String[] {"resume", r.id(), "--journal", site.journal.toString()},
                            new PrintWriter(out), new PrintWriter(out));
                    if (resumed != 0) {
                        problems.add("boundary " + k + ": resume exited " + resumed + ": " + out);
                    }
                }
            }
            if (decided != null && stillAwaiting(site, decided)) {
                // killed before the decision was recorded: the command took no effect, and the operator runs it again
                int again = child(site, command, decided, "-Drunbook.crash.trace=" + site.dir.resolve("again.txt"));
                if (again != 0) {
                    problems.add("boundary " + k + ": the repeated " + command + " exited " + again);
                }
            }
            Map<String, String> now = settled(site);
            if (!now.equals(expected)) {
                problems.add("boundary " + k + ": " + CrashTrials.differences(expected, now));
            }
        }
        return problems;
    }

    private static boolean stillAwaiting(DemoFixture site, String run) {
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            return journal.run(run).orElseThrow().state().equals("awaiting-decision")
                    && dev.runbook.exec.RunView.of(journal, run).decision().isEmpty();
        }
    }

    private static int child(DemoFixture site, String command, String decided, String property) throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvm.command(property));
        if (decided == null) {
            cmd.addAll(List.of("run", "runbooks/" + command + ".yaml", "-i", site.inventory.toString(), "--vm", "app02"));
        } else {
            cmd.addAll(List.of(command, decided));
        }
        cmd.add("--journal");
        cmd.add(site.journal.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(site.dir.resolve("child.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** What an operator would check: domains, export, snapshots, the run and the VM's state, no intent left. */
    private static Map<String, String> settled(DemoFixture site) throws Exception {
        Map<String, String> out = new TreeMap<>();
        // Disk paths name the trial's folder: compared with the folder taken out.
        for (String domain : DOMAINS) {
            out.put("state " + domain, site.state(site.recoverySite, domain));
            String xml = site.definition(site.recoverySite, domain);
            out.put("definition " + domain, Integer.toHexString(Session.comparable(xml).replace(site.dir.toString(), "SITE").hashCode()));
        }
        out.put("state app02 (source)", site.state(site.protectedSite, "app02"));
        out.put("export app02", site.export("app02"));
        var replication = StateFile.at(site.recoverySite.state()).read().path("replication").path("app02");
        out.put("direction app02", replication.path("direction").asText("forward"));
        out.put("last sync app02", replication.path("lastResult").asText());
        out.put("snapshots app02-root", Integer.toString(QemuImg.snapshots(site.replica("app02", "root")).size()));
        out.put("replica app02-root equals source", Boolean.toString(
                DemoFixture.identical(site.source("app02", "root"), site.replica("app02", "root"))));
        out.put("intents", StateFile.at(site.recoverySite.state()).read().path("intents").toString());
        try (SqliteJournal journal = SqliteJournal.open(site.journal)) {
            out.put("runs", journal.runs().stream().map(RunRecord::state).toList().toString());
            out.put("lifecycle app02", journal.lifecycle("app02").state());
        }
        return out;
    }
}
