package dev.runbook.primitive.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Durations;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import dev.runbook.primitive.SiteBindings;
import dev.runbook.primitive.StateFile;
import dev.runbook.primitive.StateFileOwnership;
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
 * What every local primitive shares: its spec, how a call finds its site file, and the record of
 * applied mutations that {@link #observe} reads.
 */
abstract class LocalPrimitive implements Primitive {

    private final PrimitiveSpec spec;

    LocalPrimitive(PrimitiveSpec spec) {
        this.spec = spec;
    }

    /** A site a call acts on: its inventory name and its state. */
    record Site(String name, LocalSite local) {
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
    JsonNode mutate(Call call, StateFile.Change<JsonNode, PrimitiveException> change) throws PrimitiveException {
        Site home = home(call);
        return home.local().change(state -> {
            StateFileOwnership.fence(state, call, home.name());
            return record(call, state, change.apply(state));
        });
    }

    /** Changes the protected and recovery sites; the record goes with the recovery site, which is written last. */
    JsonNode mutateBoth(Call call, StateFile.BothChange<JsonNode, PrimitiveException> change)
            throws PrimitiveException {
        Site source = protectedSite(call);
        Site recovery = recovery(call);
        return LocalSite.changeBoth(source.local(), recovery.local(), (s, r) -> {
            StateFileOwnership.fence(s, call, source.name());
            StateFileOwnership.fence(r, call, recovery.name());
            return record(call, r, change.apply(s, r));
        });
    }

    private JsonNode record(Call call, ObjectNode state, JsonNode result) {
        CallSupport.recordApplied(state, call, spec.name(), result);
        return result;
    }

    static Site recovery(Call call) throws PrimitiveException {
        return site(call, SiteBindings.RECOVERY);
    }

    static Site protectedSite(Call call) throws PrimitiveException {
        return site(call, SiteBindings.PROTECTED);
    }

    /** The recovery or protected site whose name the {@code site} parameter gives. */
    static Site named(Call call) throws PrimitiveException {
        return site(call, CallSupport.namedSiteRoot(call));
    }

    private static Site site(Call call, String root) throws PrimitiveException {
        JsonNode entry = CallSupport.siteBinding(call, root);
        String name = entry.path("name").asText();
        String uri = entry.path("uri").asText();
        Optional<Path> file = LocalSite.pathOf(uri);
        if (file.isEmpty()) {
            throw fail("site '%s' has URI %s, which this primitive cannot drive", name, uri);
        }
        return new Site(name, LocalSite.at(file.get()));
    }

    static JsonNode vm(Call call) throws PrimitiveException {
        return CallSupport.vm(call);
    }

    static String text(Call call, String param) throws PrimitiveException {
        return CallSupport.text(call, param);
    }

    static List<String> texts(Call call, String param) throws PrimitiveException {
        return CallSupport.texts(call, param);
    }

    static Duration duration(Call call, String param, String fallback) throws PrimitiveException {
        return CallSupport.duration(call, param, fallback);
    }

    static <T> Optional<T> await(Duration limit, CallSupport.Poll<T> poll)
            throws PrimitiveException, InterruptedException {
        return CallSupport.await(limit, poll);
    }

    static ObjectNode object() {
        return LocalSite.JSON.createObjectNode();
    }

    static PrimitiveException fail(String format, Object... args) {
        return CallSupport.fail(format, args);
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
