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
            assertEquals(3, s.executeQuery("PRAGMA user_version").getInt(1));
            s.execute("PRAGMA user_version = 99");
        }
        JournalException e = assertThrows(JournalException.class, () -> SqliteJournal.open(file));
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        try (SqliteJournal j = SqliteJournal.open(dir.resolve("k.db"))) {
            j.admit(admission("a"));
            assertEquals("running", j.run("a").orElseThrow().state());
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
