package dev.runbook.primitive.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.HypervisorSpecs;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The hypervisor family on libvirt: power, definition changes and their exact restore, and the state
 * and network probes. The definition before a change is recorded with the intent, so the undo restores
 * the XML libvirt held, whatever happened in between.
 */
final class Domains extends LibvirtPrimitive {

    /** What one primitive of the family does to the domain its call names. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(Domains self, Call call, String domain) throws PrimitiveException, InterruptedException;
    }

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new Domains(HypervisorSpecs.SHUTDOWN, Domains::shutdown),
                new Domains(HypervisorSpecs.DESTROY, Domains::destroy),
                new Domains(HypervisorSpecs.START, Domains::start),
                new Domains(HypervisorSpecs.SET_COMPUTE, (self, call, domain) -> self.redefine(call, domain,
                        Definitions.compute(CallSupport.positive(call, "vcpus"), CallSupport.positive(call, "memoryMiB")))),
                new Domains(HypervisorSpecs.REORDER_DISKS, (self, call, domain) -> self.redefine(call, domain,
                        Definitions.bootDisk(CallSupport.text(call, "rootDisk"), domain))),
                new Domains(HypervisorSpecs.MAP_NETWORKS, Domains::mapNetworks),
                new Domains(HypervisorSpecs.SET_FIRMWARE, (self, call, domain) -> self.redefine(call, domain,
                        Definitions.firmware(CallSupport.text(call, "firmware"), domain))),
                new Domains(HypervisorSpecs.RESTORE_DEFINITION, Domains::restore),
                new Domains(HypervisorSpecs.AWAIT_RUNNING, Domains::awaitRunning),
                new Domains(HypervisorSpecs.STATE, Domains::probeState),
                new Networks(),
                new NetworkConflicts());
    }

    private final Body body;

    private Domains(PrimitiveSpec spec, Body body) {
        super(spec);
        this.body = body;
    }

    @Override
    SiteRef home(Call call) throws PrimitiveException {
        return named(call);
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call, CallSupport.text(call, "domain"));
    }

    private JsonNode shutdown(Call call, String domain) throws PrimitiveException, InterruptedException {
        Duration limit = CallSupport.duration(call, "timeout", "2m");
        return power(call, domain, "shutoff", session -> {
            if (!Definitions.hasAcpi(session.definition(domain))) {
                // A guest without ACPI never sees a shutdown request: waiting would only delay the step.
                session.destroy(domain);
                return;
            }
            session.shutdown(domain);
            Optional<String> off = CallSupport.await(limit, () -> Optional.of(session.stateOf(domain))
                    .filter("shutoff"::equals));
            if (off.isEmpty()) {
                session.destroy(domain); // the guest ignored the request for the whole timeout
            }
        });
    }

    private JsonNode destroy(Call call, String domain) throws PrimitiveException, InterruptedException {
        return power(call, domain, "shutoff", session -> session.destroy(domain));
    }

    private JsonNode start(Call call, String domain) throws PrimitiveException, InterruptedException {
        return power(call, domain, "running", session -> session.start(domain));
    }

    /** A power action on a domain. */
    @FunctionalInterface
    private interface Power {
        void apply(Session session) throws PrimitiveException, InterruptedException;
    }

    /** Brings the domain to {@code target}; the result says whether it ran before, which its undo needs. */
    private JsonNode power(Call call, String domain, String target, Power action)
            throws PrimitiveException, InterruptedException {
        return mutate(call, (session, resumed) -> {
            String before = session.stateOf(domain);
            if ("missing".equals(before)) {
                throw CallSupport.fail("domain '%s' does not exist on site '%s'", domain, session.site().name());
            }
            return object().put("wasRunning", "running".equals(before)).put("target", target);
        }, (session, intent) -> {
            if (!target.equals(session.stateOf(domain))) {
                action.apply(session);
            }
            return object().put("wasRunning", intent.path("wasRunning").asBoolean());
        });
    }

    /** What must hold on the site before a redefinition. */
    @FunctionalInterface
    private interface Precondition {
        void check(Session session) throws PrimitiveException;
    }

    private JsonNode redefine(Call call, String domain, Definitions.Edit edit)
            throws PrimitiveException, InterruptedException {
        return redefine(call, domain, edit, session -> { });
    }

    private JsonNode redefine(Call call, String domain, Definitions.Edit edit, Precondition before)
            throws PrimitiveException, InterruptedException {
        return mutate(call, (session, resumed) -> {
            before.check(session);
            String original = session.definition(domain);
            return object().put("originalXml", original).put("targetXml", Definitions.edit(original, edit));
        }, (session, intent) -> {
            session.define(domain, intent.get("targetXml").asText());
            return object().put("originalXml", intent.get("originalXml").asText());
        });
    }

    private JsonNode mapNetworks(Call call, String domain) throws PrimitiveException, InterruptedException {
        JsonNode nics = call.params().path("nics");
        return redefine(call, domain, Definitions.networks(nics, domain), session -> {
            for (JsonNode nic : nics) {
                String network = nic.path("network").asText();
                if (!session.networkActive(network)) {
                    throw CallSupport.fail("network '%s' is missing or inactive on site '%s'", network,
                            session.site().name());
                }
            }
        });
    }

    private JsonNode restore(Call call, String domain) throws PrimitiveException, InterruptedException {
        String xml = CallSupport.text(call, "xml");
        try {
            Xml.parse(xml);
        } catch (IllegalArgumentException e) {
            throw CallSupport.fail("definition recorded for domain '%s' is not XML: %s", domain, e.getMessage());
        }
        return mutate(call, NOTHING, (session, i) -> {
            session.define(domain, xml);
            return object();
        });
    }

    @Override
    Observation settle(Call call, Session session, JsonNode intent) throws PrimitiveException {
        String domain = call.text("domain");
        if (intent.has("target")) {
            String state = session.stateOf(domain);
            return state.equals(intent.get("target").asText())
                    ? new Observation.Applied(object().put("wasRunning", intent.path("wasRunning").asBoolean()))
                    : new Observation.NotApplied();
        }
        if (intent.has("targetXml")) {
            String now = Definitions.facets(session.definition(domain));
            String target = Definitions.facets(intent.get("targetXml").asText());
            return now.equals(target)
                    ? new Observation.Applied(object().put("originalXml", intent.get("originalXml").asText()))
                    : new Observation.NotApplied();
        }
        return new Observation.NotApplied(); // restoring a definition again is harmless
    }

    private JsonNode awaitRunning(Call call, String domain) throws PrimitiveException, InterruptedException {
        SiteRef site = home(call);
        String timeout = call.params().path("timeout").asText("5m");
        Optional<String> running = CallSupport.await(CallSupport.duration(call, "timeout", "5m"),
                () -> Optional.of(Session.read(site, s -> s.stateOf(domain))).filter("running"::equals));
        if (running.isEmpty()) {
            throw CallSupport.fail("domain '%s' on site '%s' is still %s after %s", domain, site.name(),
                    Session.read(site, s -> s.stateOf(domain)), timeout);
        }
        return object().put("state", "running");
    }

    /** The domain's state; {@code unknown} with the reason when the site cannot be reached. */
    private JsonNode probeState(Call call, String domain) throws InterruptedException {
        try {
            SiteRef site = home(call);
            String state = Session.read(site, s -> s.stateOf(domain));
            return object().put("state", state);
        } catch (PrimitiveException e) {
            return object().put("state", "unknown").put("reason", e.getMessage());
        }
    }

    /** The network probe: which of the named networks are missing or inactive. */
    static final class Networks extends LibvirtPrimitive {

        Networks() {
            super(HypervisorSpecs.NETWORK_AVAILABLE);
        }

        @Override
        SiteRef home(Call call) throws PrimitiveException {
            return named(call);
        }

        @Override
        JsonNode run(Call call) throws PrimitiveException, InterruptedException {
            SiteRef site = home(call);
            ObjectNode out = object();
            ArrayNode missing = out.putArray("missing");
            Session.read(site, s -> {
                for (String name : CallSupport.texts(call, "networks")) {
                    if (!s.networkActive(name) && !contains(missing, name)) {
                        missing.add(name);
                    }
                }
                return null;
            });
            return out;
        }

        private static boolean contains(ArrayNode list, String name) {
            for (JsonNode n : list) {
                if (n.asText().equals(name)) {
                    return true;
                }
            }
            return false;
        }
    }
}
