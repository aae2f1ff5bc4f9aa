package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/**
 * What every primitive on a libvirt site shares: its spec, how a call finds its site, and the
 * intent record that makes a mutation safe to resume.
 *
 * <p>A mutation writes, in the site's state file, an intent under the call's key with whatever the
 * undo needs (taken before the change), then changes the site, then replaces the intent with the
 * applied record. After a crash {@link #observe} finds one of three things: an applied record (it took
 * effect), no record (it did not), or an intent, which {@link #settle} resolves by looking at the site.
 */
abstract class LibvirtPrimitive implements Primitive {

    private final PrimitiveSpec spec;

    LibvirtPrimitive(PrimitiveSpec spec) {
        this.spec = spec;
    }

    /** What a mutation records before it acts: read from the site under the lock, so nothing changes between. */
    @FunctionalInterface
    interface Intent {
        ObjectNode of(Session session, boolean resumed) throws PrimitiveException, InterruptedException;
    }

    /** The change a mutation makes once its intent is recorded. */
    @FunctionalInterface
    interface Change {
        JsonNode apply(Session session, ObjectNode intent) throws PrimitiveException, InterruptedException;
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
            throw new PrimitiveException(e.getMessage(), e);
        }
    }

    abstract JsonNode run(Call call) throws PrimitiveException, InterruptedException;

    /** The site whose state file records this primitive's calls: the recovery site unless said otherwise. */
    SiteRef home(Call call) throws PrimitiveException {
        return recovery(call);
    }

    @Override
    public Observation observe(Call call) throws PrimitiveException, InterruptedException {
        try {
            return Session.with(home(call), session -> {
                ObjectNode content = session.state(vmOf(call));
                JsonNode applied = content.path("applied").path(call.key());
                if (!applied.isMissingNode()) {
                    return new Observation.Applied(applied.get("result"));
                }
                JsonNode intent = content.path("intents").path(call.key());
                return intent.isMissingNode() ? new Observation.NotApplied() : settle(call, session, intent);
            });
        } catch (UncheckedIOException e) {
            throw new PrimitiveException(e.getMessage(), e);
        }
    }

    /**
     * Resolves an intent left by a call that was cut off: whether its change is on the site. The default
     * says it is not, which suits changes that are harmless to make again.
     */
    Observation settle(Call call, Session session, JsonNode intent) throws PrimitiveException, InterruptedException {
        return new Observation.NotApplied();
    }

    /**
     * Makes a change under the site's lock: records the intent {@code intent} builds (told whether an
     * intent of an earlier, cut-off attempt is there), applies {@code change}, writes the site back, then
     * records the call as applied with its result.
     */
    JsonNode mutate(Call call, Intent intent, Change change) throws PrimitiveException, InterruptedException {
        String vm = vmOf(call);
        return Session.with(home(call), session -> {
            ObjectNode content = session.state(vm);
            StateFileOwnership.fence(content, call, session.site().name());
            ObjectNode intents = StateFile.section(content, "intents");
            ObjectNode recorded = intent.of(session, intents.has(call.key()));
            intents.set(call.key(), recorded);
            session.writeState(vm, content);
            JsonNode result = change.apply(session, recorded);
            session.flush();
            ObjectNode after = session.state(vm);
            StateFile.section(after, "intents").remove(call.key());
            CallSupport.recordApplied(after, call, spec.name(), result);
            session.writeState(vm, after);
            return result;
        });
    }

    /** A mutation whose undo needs nothing from before it. */
    static final Intent NOTHING = (session, resumed) -> object().put("resumed", resumed);

    /** Makes a change that lives in the state file alone, recorded in the same write. */
    JsonNode mutateState(Call call, StateChange change) throws PrimitiveException, InterruptedException {
        String vm = vmOf(call);
        return Session.with(home(call), session -> {
            ObjectNode content = session.state(vm);
            StateFileOwnership.fence(content, call, session.site().name());
            JsonNode result = change.apply(content);
            CallSupport.recordApplied(content, call, spec.name(), result);
            session.writeState(vm, content);
            return result;
        });
    }

    /** A change of the state file's content. */
    @FunctionalInterface
    interface StateChange {
        JsonNode apply(ObjectNode content) throws PrimitiveException;
    }

    /** The VM a call is for, whose part of the site's state records it. */
    static String vmOf(Call call) throws PrimitiveException {
        return CallSupport.vm(call).path("name").asText();
    }

    static SiteRef recovery(Call call) throws PrimitiveException {
        return site(call, SiteBindings.RECOVERY);
    }

    static SiteRef protectedSite(Call call) throws PrimitiveException {
        return site(call, SiteBindings.PROTECTED);
    }

    /** The recovery or protected site whose name the {@code site} parameter gives. */
    static SiteRef named(Call call) throws PrimitiveException {
        return site(call, CallSupport.namedSiteRoot(call));
    }

    private static SiteRef site(Call call, String root) throws PrimitiveException {
        return SiteRef.of(CallSupport.siteBinding(call, root));
    }

    static ObjectNode object() {
        return StateFile.JSON.createObjectNode();
    }

}
