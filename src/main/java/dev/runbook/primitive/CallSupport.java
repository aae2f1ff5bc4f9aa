package dev.runbook.primitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.model.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What primitive implementations share: reading a call's parameters and bindings, waiting, recording. */
public final class CallSupport {

    private static final long POLL_MILLIS = 50;

    private CallSupport() {
    }

    /** One poll of a wait: a result once the wait is over, empty while it goes on. */
    @FunctionalInterface
    public interface Poll<T> {
        Optional<T> next() throws PrimitiveException, InterruptedException;
    }

    /** The plan's VM entry; the {@code vm} parameter, when given, must name it. */
    public static JsonNode vm(Call call) throws PrimitiveException {
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

    /**
     * The plan binding ({@link SiteBindings#RECOVERY} or {@link SiteBindings#PROTECTED}) whose name the
     * {@code site} parameter gives.
     */
    public static String namedSiteRoot(Call call) throws PrimitiveException {
        String name = text(call, "site");
        for (String root : List.of(SiteBindings.RECOVERY, SiteBindings.PROTECTED)) {
            JsonNode entry = call.bindings().get(root);
            if (entry != null && name.equals(entry.path("name").asText())) {
                return root;
            }
        }
        throw fail("site '%s' is neither the recovery site nor the protected site of this plan", name);
    }

    /** A site binding of the call ({@link SiteBindings#RECOVERY} or {@link SiteBindings#PROTECTED}). */
    public static JsonNode siteBinding(Call call, String root) throws PrimitiveException {
        JsonNode entry = call.bindings().get(root);
        if (entry == null) {
            throw fail("call to %s has no '%s' binding", call.stepId(), root);
        }
        return entry;
    }

    public static String text(Call call, String param) throws PrimitiveException {
        String value = call.params().path(param).asText("");
        if (value.isEmpty()) {
            throw fail("parameter '%s' of %s is missing", param, call.stepId());
        }
        return value;
    }

    public static List<String> texts(Call call, String param) throws PrimitiveException {
        JsonNode list = call.params().path(param);
        if (!list.isArray()) {
            throw fail("parameter '%s' of %s is %s, not a list", param, call.stepId(), list);
        }
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asText()));
        return out;
    }

    public static int positive(Call call, String param) throws PrimitiveException {
        int value = call.params().path(param).asInt(0);
        if (value < 1) {
            throw fail("%s '%s' of %s is not a positive count", param, call.params().path(param).asText(),
                    call.stepId());
        }
        return value;
    }

    public static Duration duration(Call call, String param, String fallback) throws PrimitiveException {
        String text = call.params().path(param).asText(fallback);
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw fail("parameter '%s' of %s is '%s', not a duration", param, call.stepId(), text);
        }
    }

    /** Polls until {@code poll} yields or {@code limit} passes; empty when it passed. Interruption cancels. */
    public static <T> Optional<T> await(Duration limit, Poll<T> poll) throws PrimitiveException, InterruptedException {
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

    /**
     * Records in a site's state that {@code call} of {@code primitive} was applied with {@code result}.
     * A second record under one key is a bug of the caller; its count lets tests see it.
     */
    public static void recordApplied(ObjectNode state, Call call, String primitive, JsonNode result) {
        ObjectNode applied = StateFile.section(state, "applied");
        int count = applied.path(call.key()).path("count").asInt(0) + 1;
        ObjectNode entry = applied.putObject(call.key()).put("primitive", primitive);
        entry.set("result", result);
        entry.put("at", Instant.now().toString()).put("count", count);
    }

    /** Forgets the applied calls of {@code runs}, and the section with its last record. */
    public static void forgetApplied(ObjectNode state, java.util.Collection<String> runs) {
        if (state.get("applied") instanceof ObjectNode applied) {
            java.util.List<String> gone = new java.util.ArrayList<>();
            applied.fieldNames().forEachRemaining(key -> {
                if (runs.contains(key.substring(0, Math.max(0, key.indexOf('/'))))) {
                    gone.add(key);
                }
            });
            applied.remove(gone);
            if (applied.isEmpty()) {
                state.remove("applied");
            }
        }
    }

    public static PrimitiveException fail(String format, Object... args) {
        return new PrimitiveException(String.format(format, args));
    }
}
