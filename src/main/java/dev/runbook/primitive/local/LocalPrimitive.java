package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Durations;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.Catalog;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What every local primitive shares: its catalog spec, how a call finds its site file, and the record of
 * applied mutations that {@link #observe} reads.
 */
abstract class LocalPrimitive implements Primitive {

    private static final long POLL_MILLIS = 50;

    private final PrimitiveSpec spec;

    LocalPrimitive(String name) {
        this.spec = Catalog.standard().find(name).orElseThrow();
    }

    /** A site a call acts on: its inventory name and its state. */
    record Site(String name, LocalSite local) {
    }

    /** One poll of a wait: a result once the wait is over, empty while it goes on. */
    @FunctionalInterface
    interface Poll<T> {
        Optional<T> next() throws PrimitiveException;
    }

    @Override
    public PrimitiveSpec spec() {
        return spec;
    }

    @Override
    public final JsonNode apply(Call call) throws PrimitiveException, InterruptedException {
        try {
            return run(call);
        } catch (UncheckedIOException e) {
            throw failure(e);
        }
    }

    /** Reads the record the call's mutation would have written with its change. */
    @Override
    public Observation observe(Call call) throws PrimitiveException, InterruptedException {
        try {
            JsonNode entry = home(call).local().read().path("applied").path(call.key());
            return entry.isMissingNode() ? new Observation.NotApplied() : new Observation.Applied(entry.get("result"));
        } catch (UncheckedIOException e) {
            throw failure(e);
        }
    }

    abstract JsonNode run(Call call) throws PrimitiveException, InterruptedException;

    /** The site whose file records this primitive's calls: the recovery site unless a family says otherwise. */
    Site home(Call call) throws PrimitiveException {
        return recovery(call);
    }

    /** Changes the home site and records the call under its key in the same write. */
    JsonNode mutate(Call call, LocalSite.Change<JsonNode, PrimitiveException> change) throws PrimitiveException {
        return home(call).local().change(state -> record(call, state, change.apply(state)));
    }

    /** Changes the source and recovery sites; the record goes with the recovery site, which is written last. */
    JsonNode mutateBoth(Call call, LocalSite.BothChange<JsonNode, PrimitiveException> change)
            throws PrimitiveException {
        return LocalSite.changeBoth(source(call).local(), recovery(call).local(),
                (s, r) -> record(call, r, change.apply(s, r)));
    }

    private JsonNode record(Call call, ObjectNode state, JsonNode result) {
        ObjectNode applied = LocalSite.section(state, "applied");
        // A second apply under one key is a bug of the caller; the count lets tests see it.
        int count = applied.path(call.key()).path("count").asInt(0) + 1;
        ObjectNode entry = applied.putObject(call.key()).put("primitive", spec.name());
        entry.set("result", result);
        entry.put("at", Instant.now().toString()).put("count", count);
        return result;
    }

    static Site recovery(Call call) throws PrimitiveException {
        return site(call, "site");
    }

    static Site source(Call call) throws PrimitiveException {
        return site(call, "sourceSite");
    }

    /** The recovery or source site whose name the {@code site} parameter gives. */
    static Site named(Call call) throws PrimitiveException {
        String name = text(call, "site");
        for (String root : List.of("site", "sourceSite")) {
            if (name.equals(call.bindings().getOrDefault(root, object()).path("name").asText())) {
                return site(call, root);
            }
        }
        throw fail("site '%s' is neither the recovery site nor the source site of this plan", name);
    }

    private static Site site(Call call, String root) throws PrimitiveException {
        JsonNode entry = call.bindings().get(root);
        if (entry == null) {
            throw fail("call to %s has no '%s' binding", call.stepId(), root);
        }
        String name = entry.path("name").asText();
        String uri = entry.path("uri").asText();
        Optional<Path> file = LocalSite.pathOf(uri);
        if (file.isEmpty()) {
            throw fail("site '%s' has URI %s, which this primitive cannot drive", name, uri);
        }
        return new Site(name, LocalSite.at(file.get()));
    }

    /** The plan's VM entry; the {@code vm} parameter, when given, must name it. */
    static JsonNode vm(Call call) throws PrimitiveException {
        JsonNode vm = call.bindings().get("vm");
        if (vm == null) {
            throw fail("call to %s has no 'vm' binding", call.stepId());
        }
        String named = call.params().path("vm").asText(vm.path("name").asText());
        if (!named.equals(vm.path("name").asText())) {
            throw fail("vm '%s' is not the VM of this plan, which is '%s'", named, vm.path("name").asText());
        }
        return vm;
    }

    static String text(Call call, String param) throws PrimitiveException {
        String value = call.params().path(param).asText("");
        if (value.isEmpty()) {
            throw fail("parameter '%s' of %s is missing", param, call.stepId());
        }
        return value;
    }

    static List<String> texts(Call call, String param) throws PrimitiveException {
        JsonNode list = call.params().path(param);
        if (!list.isArray()) {
            throw fail("parameter '%s' of %s is %s, not a list", param, call.stepId(), list);
        }
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asText()));
        return out;
    }

    static Duration duration(Call call, String param, String fallback) throws PrimitiveException {
        String text = call.params().path(param).asText(fallback);
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw fail("parameter '%s' of %s is '%s', not a duration", param, call.stepId(), text);
        }
    }

    /** Polls until {@code poll} yields or {@code limit} passes; empty when it passed. Interruption cancels. */
    static <T> Optional<T> await(Duration limit, Poll<T> poll) throws PrimitiveException, InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            Optional<T> out = poll.next();
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (out.isPresent() || left <= 0) {
                return out;
            }
            Thread.sleep(Math.max(1, Math.min(POLL_MILLIS, left)));
        }
    }

    static ObjectNode object() {
        return LocalSite.JSON.createObjectNode();
    }

    static PrimitiveException fail(String format, Object... args) {
        return new PrimitiveException(String.format(format, args));
    }

    private static PrimitiveException failure(UncheckedIOException e) throws InterruptedException {
        // An interrupt closes the file channel under a read or a lock: that is a cancellation, not a fault.
        if (e.getCause() instanceof ClosedByInterruptException || e.getCause() instanceof FileLockInterruptionException) {
            Thread.interrupted();
            throw new InterruptedException(e.getMessage());
        }
        return new PrimitiveException(e.getMessage(), e);
    }
}
