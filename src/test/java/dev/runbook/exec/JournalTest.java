package dev.runbook.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite journal: durable settings, its schema, and locks that admit one run of two. */
class JournalTest {

    @TempDir
    Path dir;

    private static RunRecord run(String id) {
        Instant now = Instant.now();
        return new RunRecord(id, null, "test-failover", "1.0.0", "sha", "rb.yaml", null, "inv", "sha", "inv.yaml",
                "sha256:x", "{}", "web01", "test-failover", "running", null, now, now, "tester", null);
    }

    private static Admission admission(String id) {
        return new Admission(run(id), List.of("vm:web01"), Set.of("replication-ready"), null,
                Admission.SiteClaim.NONE);
    }

    @Test
    void walModeAndAMigratedSchemaThatRefusesANewerOne() throws Exception {
        Path file = dir.resolve("j.db");
        SqliteJournal.open(file).close();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); var s = c.createStatement()) {
            assertEquals("wal", s.executeQuery("PRAGMA journal_mode").getString(1));
            assertEquals(4, s.executeQuery("PRAGMA user_version").getInt(1));
            s.execute("PRAGMA user_version = 99");
        }
        JournalException e = assertThrows(JournalException.class, () -> SqliteJournal.open(file));
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        try (SqliteJournal j = SqliteJournal.open(dir.resolve("k.db"))) {
            j.admit(admission("a"));
            assertEquals("running", j.run("a").orElseThrow().state());
        }
    }

    /**
     * A journal of schema 3 (plans inside the runs' rows) opens migrated: every run keeps its plan, read apart
     * from its row, and a recovery plan's VM runs are found by an index rather than by reading every row.
     */
    @Test
    void aJournalWithPlansInTheRunsRowsKeepsThemWhenMigrated() throws Exception {
        Path file = dir.resolve("v3.db");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); var s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE runs(id TEXT PRIMARY KEY, parent TEXT, runbook TEXT NOT NULL, runbook_version TEXT,
                      runbook_sha256 TEXT, runbook_file TEXT, git TEXT, inventory TEXT, inventory_sha256 TEXT,
                      inventory_file TEXT, plan_hash TEXT NOT NULL, plan TEXT NOT NULL, vm TEXT NOT NULL,
                      operation TEXT NOT NULL, state TEXT NOT NULL, message TEXT, started_at TEXT NOT NULL,
                      updated_at TEXT NOT NULL, started_by TEXT, plan_run TEXT)""");
            s.execute("CREATE TABLE entries(seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, kind TEXT NOT NULL, "
                    + "step TEXT, state TEXT NOT NULL, data TEXT, at TEXT NOT NULL)");
            s.execute("CREATE TABLE locks(name TEXT PRIMARY KEY, run_id TEXT NOT NULL, acquired_at TEXT NOT NULL)");
            s.execute("CREATE TABLE lifecycle(vm TEXT PRIMARY KEY, state TEXT NOT NULL, run_id TEXT, since TEXT NOT NULL)");
            s.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("INSERT INTO meta VALUES ('id', 'j3')");
            s.execute("INSERT INTO runs VALUES ('p', NULL, 'shop', '1.0.0', 's', 'plan.yaml', NULL, 'inv', 's', "
                    + "'inv.yaml', 'sha256:p', '{\"tiers\":[]}', 'plan:shop', 'test-failover', 'completed', "
                    + "'2 of 2 VMs ready', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'ops', NULL)");
            s.execute("INSERT INTO runs VALUES ('p.web01', NULL, 'test-failover', '1.0.0', 's', 'rb.yaml', NULL, "
                    + "'inv', 's', 'inv.yaml', 'sha256:w', '{\"vm\":\"web01\"}', 'web01', 'test-failover', "
                    + "'completed', NULL, '2026-01-01T00:00:01Z', '2026-01-01T00:00:30Z', 'ops', 'p')");
            s.execute("PRAGMA user_version = 3");
        }
        try (SqliteJournal j = SqliteJournal.open(file)) {
            assertEquals("{\"tiers\":[]}", j.run("p").orElseThrow().plan());
            assertEquals("2 of 2 VMs ready", j.run("p").orElseThrow().message());
            assertEquals("{\"vm\":\"web01\"}", j.run("p.web01").orElseThrow().plan());
            assertEquals(List.of("p.web01"), j.children("p").stream().map(RunRecord::id).toList());
            assertEquals("", j.children("p").get(0).plan());
            assertEquals(List.of("{\"vm\":\"web01\"}", "{\"tiers\":[]}"), j.runs().stream().map(RunRecord::plan)
                    .toList());
            j.admit(admission("a"));
            assertEquals("{}", j.run("a").orElseThrow().plan());
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); var s = c.createStatement()) {
            assertEquals(4, s.executeQuery("PRAGMA user_version").getInt(1));
            String how = s.executeQuery("EXPLAIN QUERY PLAN SELECT * FROM runs WHERE plan_run = 'p'").getString("detail");
            assertTrue(how.contains("runs_by_plan_run"), how);
            assertEquals(0, s.executeQuery("SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'plan'")
                    .getInt(1), "the runs' rows still hold their plans");
        }
    }

    @Test
    void twoConnectionsAdmittingTogetherAdmitExactlyOne() throws Exception {
        for (int round = 0; round < 20; round++) {
            Path f = dir.resolve("j" + round + ".db");
            SqliteJournal.open(f).close();
            CountDownLatch go = new CountDownLatch(1);
            List<Optional<Admission.Refusal>> results = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (String id : List.of("first", "second")) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try (SqliteJournal j = SqliteJournal.open(f)) {
                        go.await();
                        results.add(j.admit(admission(id)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(1, results.stream().filter(Optional::isEmpty).count(), "round " + round);
            String refusal = results.stream().flatMap(Optional::stream).findFirst().orElseThrow().message();
            assertTrue(refusal.contains("vm:web01") && refusal.contains("is held by run"), refusal);
            try (SqliteJournal j = SqliteJournal.open(f)) {
                String holder = j.locks().get(0).runId();
                assertTrue(refusal.contains(holder), "the refusal must name the admitted run " + holder + ": " + refusal);
            }
        }
    }

    @Test
    void entriesReplayIntoSteps() {
        try (SqliteJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
            j.admit(admission("r1"));
            var data = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            j.write(List.of(Entry.of("r1", Entry.Kind.STEP, "a", "running", data.deepCopy().put("attempt", 1)),
                    Entry.of("r1", Entry.Kind.STEP, "a", "succeeded", null),
                    Entry.of("r1", Entry.Kind.LIFECYCLE, "web01", "test-failover-active", null),
                    Entry.of("r1", Entry.Kind.LOCKS, null, "released", null)));
            RunView v = RunView.of(j, "r1");
            assertEquals("succeeded", v.step("a").orElseThrow().state());
            assertEquals(1, v.step("a").orElseThrow().attempt());
            assertEquals("test-failover-active", j.lifecycle("web01").state());
            assertEquals(List.of(), j.locks());
            assertEquals(5, j.entries("r1", 0).size());
        }
    }
}
