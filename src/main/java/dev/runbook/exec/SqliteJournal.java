package dev.runbook.exec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.sqlite.SQLiteConfig;

/**
 * The journal in an SQLite file: WAL mode with synchronous FULL, so a committed transaction survives a
 * crash of the process or the machine. The schema is created and migrated on open ({@code user_version}).
 */
public final class SqliteJournal implements Journal {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Each entry migrates the schema from version i to i + 1. Entries have one B-tree (by seq) and no
     * index by run: each commit then writes one log page, which keeps a journaled step close to one
     * fsync; reading one run scans the entries, which is cheap next to any primitive call. A run's plan
     * (tens of kilobytes for a VM, megabytes for a recovery plan of many) is kept apart from the run's row,
     * so that reading where runs stand never walks a plan's overflow pages and a run's change of state
     * never rewrites its plan.
     */
    private static final List<String> MIGRATIONS = List.of("""
            CREATE TABLE runs(id TEXT PRIMARY KEY, parent TEXT, runbook TEXT NOT NULL, runbook_version TEXT,
              runbook_sha256 TEXT, runbook_file TEXT, git TEXT, inventory TEXT, inventory_sha256 TEXT,
              inventory_file TEXT, plan_hash TEXT NOT NULL, plan TEXT NOT NULL, vm TEXT NOT NULL,
              operation TEXT NOT NULL, state TEXT NOT NULL, message TEXT, started_at TEXT NOT NULL,
              updated_at TEXT NOT NULL, started_by TEXT);
            CREATE TABLE entries(seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, kind TEXT NOT NULL, step TEXT,
              state TEXT NOT NULL, data TEXT, at TEXT NOT NULL);
            CREATE TABLE locks(name TEXT PRIMARY KEY, run_id TEXT NOT NULL, acquired_at TEXT NOT NULL);
            CREATE TABLE lifecycle(vm TEXT PRIMARY KEY, state TEXT NOT NULL, run_id TEXT, since TEXT NOT NULL);
            """, """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta(key, value) VALUES ('id', lower(hex(randomblob(16))));
            """, """
            ALTER TABLE runs ADD COLUMN plan_run TEXT;
            """, """
            CREATE TABLE plans(run_id TEXT PRIMARY KEY, plan TEXT NOT NULL);
            INSERT INTO plans(run_id, plan) SELECT id, plan FROM runs;
            CREATE TABLE runs_apart(id TEXT PRIMARY KEY, parent TEXT, runbook TEXT NOT NULL, runbook_version TEXT,
              runbook_sha256 TEXT, runbook_file TEXT, git TEXT, inventory TEXT, inventory_sha256 TEXT,
              inventory_file TEXT, plan_hash TEXT NOT NULL, vm TEXT NOT NULL, operation TEXT NOT NULL,
              state TEXT NOT NULL, started_at TEXT NOT NULL, updated_at TEXT NOT NULL, started_by TEXT,
              plan_run TEXT, message TEXT);
            INSERT INTO runs_apart(id, parent, runbook, runbook_version, runbook_sha256, runbook_file, git, inventory,
              inventory_sha256, inventory_file, plan_hash, vm, operation, state, started_at, updated_at, started_by,
              plan_run, message)
              SELECT id, parent, runbook, runbook_version, runbook_sha256, runbook_file, git, inventory,
              inventory_sha256, inventory_file, plan_hash, vm, operation, state, started_at, updated_at, started_by,
              plan_run, message FROM runs;
            DROP TABLE runs;
            ALTER TABLE runs_apart RENAME TO runs;
            CREATE INDEX runs_by_plan_run ON runs(plan_run);
            """);

    private final Path file;
    private final Connection db;
    /**
     * A second connection for reads outside transactions: in WAL mode it reads what is committed while the
     * writer commits, so a reader (the server's status API) never waits for a commit's fsync, nor a writer
     * for a read.
     */
    private final Connection reader;
    private final ReentrantLock readLock = new ReentrantLock();
    private final String id;
    private final ReentrantLock commitLock = new ReentrantLock();
    private final List<Entry> queued = new ArrayList<>();
    private long enqueued;
    private long committed;
    private final List<Consumer<Entry>> listeners = new CopyOnWriteArrayList<>();
    private final PreparedStatement insertEntry;
    private PreparedStatement beginStatement;
    private PreparedStatement commitStatement;
    private PreparedStatement lastSeqStatement;

    private SqliteJournal(Path file, Connection db, Connection reader) throws SQLException {
        this.file = file;
        this.db = db;
        this.reader = reader;
        migrate();
        id = query("SELECT value FROM meta WHERE key = ?", rs -> rs.getString(1), "id").get(0);
        insertEntry = db.prepareStatement("INSERT INTO entries(seq, run_id, kind, step, state, data, at) VALUES (?,?,?,?,?,?,?)");
    }

    /** Opens (creating when missing) the journal in the given file. */
    public static SqliteJournal open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!Files.exists(file)) {
                // Only its owner reads the journal: it holds plans, results and the site's recorded state.
                // SQLite gives its -wal and -shm files the same mode.
                try {
                    Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                } catch (java.nio.file.FileAlreadyExistsException made) {
                    // another process made it first
                }
            }
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            // A small log, checkpointed often, is rewritten in place rather than grown: a commit's fsync
            // then costs close to one fsync of a block overwritten in place (see bin/bench).
            config.setWalAutocheckpoint(100);
            config.setBusyTimeout(15_000);
            config.setGetGeneratedKeys(false); // seq is assigned here; fetching keys costs a query per insert
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
            SQLiteConfig reads = new SQLiteConfig();
            reads.setBusyTimeout(15_000);
            Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), reads.toProperties());
            try {
                return new SqliteJournal(file, db, reader);
            } catch (SQLException | RuntimeException e) {
                reader.close();
                db.close();
                throw e;
            }
        } catch (SQLException | IOException e) {
            throw new JournalException("cannot open the journal " + file + ": " + e.getMessage(), e, file);
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String location() {
        return file.toAbsolutePath().normalize().toString();
    }

    private void migrate() throws SQLException {
        begin();
        int version;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            version = rs.getInt(1);
        }
        if (version > MIGRATIONS.size()) {
            rollbackQuietly();
            throw new JournalException("the journal " + file + " has schema version " + version
                    + ", newer than this program knows (" + MIGRATIONS.size() + "); use a newer runbook", null);
        }
        for (int v = version; v < MIGRATIONS.size(); v++) {
            try (Statement s = db.createStatement()) {
                for (String sql : MIGRATIONS.get(v).split(";")) {
                    if (!sql.isBlank()) {
                        s.execute(sql);
                    }
                }
                s.execute("PRAGMA user_version = " + (v + 1));
            }
        }
        commit();
    }

    // Transactions are explicit and IMMEDIATE: a writer takes the write lock at once, so two processes
    // admitting runs together are serialised instead of failing on lock upgrade.
    private void begin() throws SQLException {
        if (beginStatement == null) {
            beginStatement = db.prepareStatement("BEGIN IMMEDIATE");
            commitStatement = db.prepareStatement("COMMIT");
        }
        beginStatement.execute();
    }

    private void commit() throws SQLException {
        commitStatement.execute();
    }

    @Override
    public Optional<Admission.Refusal> admit(Admission a) {
        commitLock.lock();
        boolean claimed = false;
        try {
            begin();
            RunRecord r = a.run();
            String state = lifecycleState(r.vm());
            if (!a.allowedFrom().contains(state)) {
                rollbackQuietly();
                return Optional.of(new Admission.Refusal(Refusals.lifecycle(r, state, lifecycle(r.vm()).runId())));
            }
            for (String lock : a.locks()) {
                String holder = lockHolder(lock);
                if (holder != null && !holder.equals(a.inheritFrom())) {
                    rollbackQuietly();
                    return Optional.of(new Admission.Refusal(Refusals.locked(lock, holder)));
                }
            }
            Optional<Admission.Refusal> atSite = a.claim().take(this::endedHere);
            if (atSite.isPresent()) {
                rollbackQuietly();
                return atSite;
            }
            claimed = true;
            insertRun(r);
            if (a.inheritFrom() != null) {
                update("UPDATE locks SET run_id = ? WHERE run_id = ?", r.id(), a.inheritFrom());
            }
            for (String lock : a.locks()) {
                update("INSERT OR REPLACE INTO locks(name, run_id, acquired_at) VALUES (?,?,?)", lock, r.id(),
                        r.startedAt().toString());
            }
            Entry started = Entry.of(r.id(), Entry.Kind.RUN, null, r.state(), null);
            long seq = maxSeq() + 1;
            append(started, seq);
            commit();
            notifyListeners(List.of(started.withSeq(seq)));
            return Optional.empty();
        } catch (SQLException e) {
            rollbackQuietly();
            if (claimed) {
                a.claim().undo();
            }
            throw new JournalException("cannot record run " + a.run().id() + ": " + e.getMessage(), e, file);
        } finally {
            commitLock.unlock();
        }
    }

    @Override
    public List<Admission.Refusal> admitAll(RunRecord planRun, List<Admission> children) {
        commitLock.lock();
        List<Admission> claimed = new ArrayList<>();
        try {
            begin();
            List<Admission.Refusal> refused = new ArrayList<>();
            for (Admission a : children) {
                RunRecord r = a.run();
                String state = lifecycleState(r.vm());
                if (!a.allowedFrom().contains(state)) {
                    refused.add(new Admission.Refusal(Refusals.lifecycle(r, state, lifecycle(r.vm()).runId())));
                    continue;
                }
                Optional<String> held = Optional.empty();
                for (String lock : a.locks()) {
                    String holder = lockHolder(lock);
                    if (holder != null && held.isEmpty()) {
                        held = Optional.of(Refusals.locked(lock, holder));
                    }
                }
                if (held.isPresent()) {
                    refused.add(new Admission.Refusal(r.vm() + ": " + held.get()));
                    continue;
                }
                Optional<Admission.Refusal> atSite = a.claim().take(this::endedHere);
                if (atSite.isPresent()) {
                    refused.add(new Admission.Refusal(r.vm() + ": " + atSite.get().message()));
                } else {
                    claimed.add(a);
                }
            }
            if (!refused.isEmpty()) {
                rollbackQuietly();
                claimed.forEach(a -> a.claim().undo());
                return refused;
            }
            insertRun(planRun);
            List<Entry> started = new ArrayList<>();
            started.add(Entry.of(planRun.id(), Entry.Kind.RUN, null, planRun.state(), null));
            for (Admission a : children) {
                insertRun(a.run());
                for (String lock : a.locks()) {
                    update("INSERT OR REPLACE INTO locks(name, run_id, acquired_at) VALUES (?,?,?)", lock,
                            a.run().id(), a.run().startedAt().toString());
                }
                started.add(Entry.of(a.run().id(), Entry.Kind.RUN, null, a.run().state(), null));
            }
            long seq = maxSeq();
            List<Entry> written = new ArrayList<>();
            for (Entry e : started) {
                append(e, ++seq);
                written.add(e.withSeq(seq));
            }
            commit();
            notifyListeners(written);
            return List.of();
        } catch (SQLException e) {
            rollbackQuietly();
            claimed.forEach(a -> a.claim().undo());
            throw new JournalException("cannot record run " + planRun.id() + ": " + e.getMessage(), e, file);
        } finally {
            commitLock.unlock();
        }
    }

    @Override
    public Optional<Admission.Refusal> hold(String holder, List<String> names, Admission.SiteClaim claim) {
        commitLock.lock();
        boolean claimed = false;
        try {
            begin();
            for (String lock : names) {
                String held = lockHolder(lock);
                if (held != null) {
                    rollbackQuietly();
                    return Optional.of(new Admission.Refusal(Refusals.locked(lock, held)));
                }
            }
            Optional<Admission.Refusal> atSite = claim.take(this::endedHere);
            if (atSite.isPresent()) {
                rollbackQuietly();
                return atSite;
            }
            claimed = true;
            Entry held = Locks.held(holder, names);
            for (String lock : names) {
                update("INSERT INTO locks(name, run_id, acquired_at) VALUES (?,?,?)", lock, holder, held.at().toString());
            }
            long seq = maxSeq() + 1;
            append(held, seq);
            commit();
            notifyListeners(List.of(held.withSeq(seq)));
            return Optional.empty();
        } catch (SQLException e) {
            rollbackQuietly();
            if (claimed) {
                claim.undo();
            }
            throw new JournalException("cannot record the locks of " + holder + ": " + e.getMessage(), e, file);
        } finally {
            commitLock.unlock();
        }
    }

    @Override
    public void write(List<Entry> entries) {
        long ticket;
        synchronized (queued) {
            queued.addAll(entries);
            enqueued += entries.size();
            ticket = enqueued;
        }
        commitLock.lock();
        try {
            if (committed >= ticket) {
                return; // another thread's transaction carried these entries
            }
            List<Entry> batch;
            synchronized (queued) {
                batch = new ArrayList<>(queued);
                queued.clear();
                ticket = enqueued;
            }
            List<Entry> written = new ArrayList<>(batch.size());
            try {
                begin();
                long seq = maxSeq();
                for (Entry e : batch) {
                    append(e, ++seq);
                    written.add(e.withSeq(seq));
                    sideEffects(e);
                }
                commit();
            } catch (SQLException e) {
                rollbackQuietly();
                throw new JournalException("cannot write to the journal " + file + ": " + e.getMessage(), e, file);
            }
            committed = ticket;
            notifyListeners(written);
        } finally {
            commitLock.unlock();
        }
    }

    private void append(Entry e, long seq) throws SQLException {
        insertEntry.setLong(1, seq);
        insertEntry.setString(2, e.runId());
        insertEntry.setString(3, e.kind().id());
        insertEntry.setString(4, e.step());
        insertEntry.setString(5, e.state());
        insertEntry.setString(6, e.data() == null ? null : e.data().toString());
        insertEntry.setString(7, e.at().toString());
        insertEntry.executeUpdate();
    }

    /** Read inside the write transaction, so no other process can take the same numbers. */
    private long maxSeq() throws SQLException {
        if (lastSeqStatement == null) {
            lastSeqStatement = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM entries");
        }
        try (ResultSet rs = lastSeqStatement.executeQuery()) {
            return rs.getLong(1);
        }
    }

    private void sideEffects(Entry e) throws SQLException {
        switch (e.kind()) {
            case RUN -> update("UPDATE runs SET state = ?, message = COALESCE(?, message), updated_at = ? WHERE id = ?",
                    e.state(), e.data() == null ? null : e.data().path("message").asText(null), e.at().toString(), e.runId());
            case LIFECYCLE -> update("INSERT OR REPLACE INTO lifecycle(vm, state, run_id, since) VALUES (?,?,?,?)",
                    e.step(), e.state(), e.runId(), e.at().toString());
            case LOCKS -> {
                if (e.state().equals(Locks.RELEASED)) {
                    update("DELETE FROM locks WHERE run_id = ?", e.runId());
                } else if (e.state().equals(Locks.RETURNED)) {
                    update("UPDATE locks SET run_id = ? WHERE run_id = ?", e.data().path("to").asText(), e.runId());
                }
            }
            default -> {
            }
        }
    }

    private void insertRun(RunRecord r) throws SQLException {
        update("INSERT INTO runs(id, parent, runbook, runbook_version, runbook_sha256, runbook_file, git, inventory,"
                        + " inventory_sha256, inventory_file, plan_hash, vm, operation, state, message, started_at,"
                        + " updated_at, started_by, plan_run) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                r.id(), r.parent(), r.runbook(), r.runbookVersion(), r.runbookSha256(), r.runbookFile(), r.git(),
                r.inventory(), r.inventorySha256(), r.inventoryFile(), r.planHash(), r.vm(), r.operation(),
                r.state(), r.message(), r.startedAt().toString(), r.updatedAt().toString(), r.startedBy(), r.planRun());
        update("INSERT INTO plans(run_id, plan) VALUES (?,?)", r.id(), r.plan());
    }

    private void update(String sql, String... args) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private String lifecycleState(String vm) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT state FROM lifecycle WHERE vm = ?")) {
            ps.setString(1, vm);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : LifecycleRecord.DEFAULT;
            }
        }
    }

    /**
     * True when the run (or operation outside runs) holds no lock here and is not recorded or has ended
     * (read inside admission).
     */
    private boolean endedHere(String runId) {
        try {
            List<String> state = query("SELECT state FROM runs WHERE id = ?", rs -> rs.getString(1), runId);
            return (state.isEmpty() || RunState.of(state.get(0)).isFinal())
                    && query("SELECT run_id FROM locks WHERE run_id = ?", rs -> rs.getString(1), runId).isEmpty();
        } catch (JournalException e) {
            return false; // when in doubt the record is not left over
        }
    }

    private String lockHolder(String name) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT run_id FROM locks WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Override
    public Optional<RunRecord> run(String id) {
        return query(WITH_PLAN + " WHERE r.id = ?", SqliteJournal::runOf, id).stream().findFirst();
    }

    @Override
    public Optional<RunRecord> runWithoutPlan(String id) {
        return query(WITHOUT_PLAN + " WHERE id = ?", SqliteJournal::runOf, id).stream().findFirst();
    }

    /** A run's columns with its plan. */
    private static final String WITH_PLAN = "SELECT r.*, COALESCE(p.plan, '') AS plan FROM runs r "
            + "LEFT JOIN plans p ON p.run_id = r.id";

    /** A run's columns with an empty plan, for reading where runs stand. */
    private static final String WITHOUT_PLAN = "SELECT *, '' AS plan FROM runs";

    @Override
    public List<RunRecord> children(String planRun) {
        return query(WITHOUT_PLAN + " WHERE plan_run = ? ORDER BY started_at DESC, id DESC", SqliteJournal::runOf,
                planRun);
    }

    @Override
    public List<RunRecord> runsWithoutPlans() {
        return query(WITHOUT_PLAN + " ORDER BY started_at DESC, id DESC", SqliteJournal::runOf);
    }

    @Override
    public List<RunRecord> runs() {
        return query(WITH_PLAN + " ORDER BY r.started_at DESC, r.id DESC", SqliteJournal::runOf);
    }

    @Override
    public List<Entry> entries(String runId, long afterSeq) {
        return query("SELECT * FROM entries WHERE run_id = ? AND seq > ? ORDER BY seq", SqliteJournal::entryOf,
                runId, String.valueOf(afterSeq));
    }

    /** One pass over the entries (they have a single B-tree, by sequence) rather than one per run. */
    @Override
    public Map<String, Entry> latestSteps(String prefix) {
        String end = prefix.isEmpty() ? "\uffff" : prefix.substring(0, prefix.length() - 1)
                + (char) (prefix.charAt(prefix.length() - 1) + 1);
        Map<String, Entry> out = new HashMap<>();
        for (Entry e : query("SELECT e.* FROM entries e JOIN (SELECT MAX(seq) AS last FROM entries WHERE run_id >= ?"
                + " AND run_id < ? AND kind IN ('step', 'compensation') GROUP BY run_id) m ON e.seq = m.last",
                SqliteJournal::entryOf, prefix, end)) {
            out.put(e.runId(), e);
        }
        return out;
    }

    @Override
    public long lastSeq() {
        return query("SELECT COALESCE(MAX(seq), 0) AS last FROM entries", rs -> rs.getLong("last")).get(0);
    }

    @Override
    public List<Entry> entriesAfter(long afterSeq, int limit) {
        return query("SELECT * FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", SqliteJournal::entryOf,
                String.valueOf(afterSeq), String.valueOf(limit));
    }

    @Override
    public List<LockRecord> locks() {
        return query("SELECT * FROM locks ORDER BY name", rs -> new LockRecord(rs.getString("name"),
                rs.getString("run_id"), Instant.parse(rs.getString("acquired_at"))));
    }

    @Override
    public List<LifecycleRecord> lifecycle() {
        return query("SELECT * FROM lifecycle ORDER BY vm", rs -> new LifecycleRecord(rs.getString("vm"),
                rs.getString("state"), rs.getString("run_id"), Instant.parse(rs.getString("since"))));
    }

    @Override
    public void subscribe(Consumer<Entry> listener) {
        listeners.add(listener);
    }

    @Override
    public void unsubscribe(Consumer<Entry> listener) {
        listeners.remove(listener);
    }

    private void notifyListeners(List<Entry> written) {
        for (Consumer<Entry> l : listeners) {
            written.forEach(l);
        }
    }

    private interface Row<T> {
        T of(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, Row<T> row, String... args) {
        // Inside a transaction (admission) the writer's own connection, which sees what it changed so far.
        boolean writing = commitLock.isHeldByCurrentThread();
        ReentrantLock lock = writing ? commitLock : readLock;
        lock.lock();
        try (PreparedStatement ps = (writing ? db : reader).prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.of(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new JournalException("cannot read the journal " + file + ": " + e.getMessage(), e, file);
        } finally {
            lock.unlock();
        }
    }

    private static RunRecord runOf(ResultSet rs) throws SQLException {
        return new RunRecord(rs.getString("id"), rs.getString("parent"), rs.getString("runbook"),
                rs.getString("runbook_version"), rs.getString("runbook_sha256"), rs.getString("runbook_file"),
                rs.getString("git"), rs.getString("inventory"), rs.getString("inventory_sha256"),
                rs.getString("inventory_file"), rs.getString("plan_hash"), rs.getString("plan"), rs.getString("vm"),
                rs.getString("operation"), rs.getString("state"), rs.getString("message"),
                Instant.parse(rs.getString("started_at")), Instant.parse(rs.getString("updated_at")),
                rs.getString("started_by"), rs.getString("plan_run"));
    }

    private static Entry entryOf(ResultSet rs) throws SQLException {
        String data = rs.getString("data");
        JsonNode json;
        try {
            json = data == null ? null : MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            throw new SQLException("entry " + rs.getLong("seq") + " holds data that is not JSON", e);
        }
        return new Entry(rs.getLong("seq"), rs.getString("run_id"), Entry.Kind.of(rs.getString("kind")),
                rs.getString("step"), rs.getString("state"), json, Instant.parse(rs.getString("at")));
    }

    private void rollbackQuietly() {
        try (Statement s = db.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // the original error is the one to report
        }
    }

    @Override
    public void close() {
        try {
            if (db.isClosed()) {
                return;
            }
            insertEntry.close();
            for (PreparedStatement ps : new PreparedStatement[] {beginStatement, commitStatement, lastSeqStatement}) {
                if (ps != null) {
                    ps.close();
                }
            }
            reader.close();
            db.close();
        } catch (SQLException e) {
            throw new JournalException("cannot close the journal " + file + ": " + e.getMessage(), e);
        }
    }
}
