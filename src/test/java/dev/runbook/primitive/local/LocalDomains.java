package dev.runbook.primitive.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.HypervisorSpecs;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The libvirt family on a local site: power, definition changes and their restore, and the state and
 * network probes. A domain's "XML" is the JSON text of its definition, which is all a local site keeps.
 */
final class LocalDomains extends LocalPrimitive {

    private static final Set<String> FIRMWARE = Set.of("bios", "uefi");

    /** One change to a domain's definition; the whole state is there for checks such as network existence. */
    @FunctionalInterface
    private interface Edit {
        void apply(ObjectNode state, ObjectNode domain, Site site) throws PrimitiveException;
    }

    /** What one primitive of the family does. */
    @FunctionalInterface
    private interface Body {
        JsonNode run(LocalDomains self, Call call) throws PrimitiveException, InterruptedException;
    }

    /** The family's primitives, each with its spec. */
    static List<Primitive> all() {
        return List.of(
                new LocalDomains(HypervisorSpecs.SHUTDOWN, (self, call) -> self.power(call, "shutoff")),
                new LocalDomains(HypervisorSpecs.DESTROY, (self, call) -> self.power(call, "shutoff")),
                new LocalDomains(HypervisorSpecs.START, (self, call) -> self.power(call, "running")),
                new LocalDomains(HypervisorSpecs.SET_COMPUTE,
                        (self, call) -> self.redefine(call, (s, d, site) -> setCompute(call, d))),
                new LocalDomains(HypervisorSpecs.REORDER_DISKS,
                        (self, call) -> self.redefine(call, (s, d, site) -> reorder(call, d, site))),
                new LocalDomains(HypervisorSpecs.MAP_NETWORKS,
                        (self, call) -> self.redefine(call, (s, d, site) -> mapNetworks(call, s, d, site))),
                new LocalDomains(HypervisorSpecs.SET_FIRMWARE,
                        (self, call) -> self.redefine(call, (s, d, site) -> setFirmware(call, d))),
                new LocalDomains(HypervisorSpecs.RESTORE_DEFINITION, LocalDomains::restore),
                new LocalDomains(HypervisorSpecs.AWAIT_RUNNING, LocalDomains::awaitRunning),
                new LocalDomains(HypervisorSpecs.STATE,
                        (self, call) -> object().put("state", stateOf(self.home(call), text(call, "domain")))),
                new LocalDomains(HypervisorSpecs.NETWORK_AVAILABLE, LocalDomains::available),
                new LocalDomains(HypervisorSpecs.NETWORK_CONFLICTS, LocalDomains::conflicts));
    }

    private final Body body;

    private LocalDomains(PrimitiveSpec spec, Body body) {
        super(spec);
        this.body = body;
    }

    @Override
    Site home(Call call) throws PrimitiveException {
        return named(call);
    }

    @Override
    JsonNode run(Call call) throws PrimitiveException, InterruptedException {
        return body.run(this, call);
    }

    private JsonNode power(Call call, String target) throws PrimitiveException {
        String name = text(call, "domain");
        Site site = home(call);
        return mutate(call, state -> {
            ObjectNode domain = domain(state, name, site);
            boolean wasRunning = "running".equals(domain.path("state").asText());
            domain.put("state", target);
            return object().put("wasRunning", wasRunning);
        });
    }

    private JsonNode redefine(Call call, Edit edit) throws PrimitiveException {
        String name = text(call, "domain");
        Site site = home(call);
        return mutate(call, state -> {
            ObjectNode domain = domain(state, name, site);
            ObjectNode original = domain.deepCopy();
            original.remove("state");
            edit.apply(state, domain, site);
            return object().put("originalXml", original.toString());
        });
    }

    private static void setCompute(Call call, ObjectNode domain) throws PrimitiveException {
        domain.put("vcpus", CallSupport.positive(call, "vcpus"));
        domain.put("memoryMiB", CallSupport.positive(call, "memoryMiB"));
    }

    private static void reorder(Call call, ObjectNode domain, Site site) throws PrimitiveException {
        String root = text(call, "rootDisk");
        ArrayNode disks = domain.withArrayProperty("disks");
        for (int i = 0; i < disks.size(); i++) {
            if (disks.get(i).asText().equals(root)) {
                disks.insert(0, disks.remove(i));
                return;
            }
        }
        throw fail("disk '%s' is not attached to domain '%s' on site '%s'", root, call.text("domain"), site.name());
    }

    private static void mapNetworks(Call call, ObjectNode state, ObjectNode domain, Site site)
            throws PrimitiveException {
        for (JsonNode wanted : call.params().path("nics")) {
            String mac = wanted.path("mac").asText();
            String network = wanted.path("network").asText();
            if (!state.path("networks").path(network).path("active").asBoolean(false)) {
                throw fail("network '%s' is missing or inactive on site '%s'", network, site.name());
            }
            nic(domain, mac, site, call.text("domain")).put("network", network);
        }
    }

    private static ObjectNode nic(ObjectNode domain, String mac, Site site, String name) throws PrimitiveException {
        for (JsonNode nic : domain.path("nics")) {
            if (nic.path("mac").asText().equalsIgnoreCase(mac)) {
                return (ObjectNode) nic;
            }
        }
        throw fail("domain '%s' on site '%s' has no NIC with MAC %s", name, site.name(), mac);
    }

    private static void setFirmware(Call call, ObjectNode domain) throws PrimitiveException {
        String firmware = text(call, "firmware");
        if (!FIRMWARE.contains(firmware)) {
            throw fail("firmware '%s' of domain '%s' is neither bios nor uefi", firmware, call.text("domain"));
        }
        domain.put("firmware", firmware);
    }

    private JsonNode restore(Call call) throws PrimitiveException {
        String name = text(call, "domain");
        ObjectNode definition = definition(call, name);
        Site site = home(call);
        return mutate(call, state -> {
            ObjectNode domain = domain(state, name, site);
            String power = domain.path("state").asText("shutoff");
            domain.removeAll();
            domain.put("state", power);
            domain.setAll(definition);
            return object();
        });
    }

    private static ObjectNode definition(Call call, String name) throws PrimitiveException {
        try {
            if (LocalSite.JSON.readTree(text(call, "xml")) instanceof ObjectNode definition) {
                // Power state is not part of a definition; restoring one must not start or stop the domain.
                definition.remove("state");
                return definition;
            }
        } catch (JsonProcessingException e) {
            // Reported below with the other malformed cases.
        }
        throw fail("definition recorded for domain '%s' is not one this site wrote: %s", name, call.text("xml"));
    }

    private JsonNode awaitRunning(Call call) throws PrimitiveException, InterruptedException {
        String name = text(call, "domain");
        Site site = home(call);
        Duration limit = duration(call, "timeout", "5m");
        Optional<String> running = await(limit, () -> {
            String state = domain(site.local().read(), name, site).path("state").asText();
            return "running".equals(state) ? Optional.of(state) : Optional.empty();
        });
        if (running.isEmpty()) {
            throw fail("domain %s on site %s is still %s after %s", name, site.name(), stateOf(site, name),
                    call.params().path("timeout").asText("5m"));
        }
        return object().put("state", "running");
    }

    private static String stateOf(Site site, String name) {
        if (!Files.exists(site.local().file())) {
            return "unknown";
        }
        return site.local().read().path("domains").path(name).path("state").asText("unknown");
    }

    private JsonNode available(Call call) throws PrimitiveException {
        Site site = home(call);
        JsonNode networks = Files.exists(site.local().file()) ? site.local().read().path("networks") : object();
        ObjectNode out = object();
        ArrayNode missing = out.putArray("missing");
        for (String name : texts(call, "networks")) {
            if (!networks.path(name).path("active").asBoolean(false)) {
                missing.add(name);
            }
        }
        return out;
    }

    /** Other domains using the VM's MACs; a local site's networks hold no addresses. */
    private JsonNode conflicts(Call call) throws PrimitiveException {
        Site site = home(call);
        JsonNode domains = Files.exists(site.local().file()) ? site.local().read().path("domains") : object();
        String own = text(call, "domain");
        ObjectNode out = object();
        ArrayNode conflicts = out.putArray("conflicts");
        for (JsonNode wanted : call.params().path("nics")) {
            String mac = wanted.path("mac").asText();
            domains.properties().forEach(d -> {
                for (JsonNode nic : d.getValue().path("nics")) {
                    if (!d.getKey().equals(own) && nic.path("mac").asText().equalsIgnoreCase(mac)) {
                        conflicts.add("MAC " + mac + " is used by domain " + d.getKey());
                    }
                }
            });
        }
        return out.put("count", conflicts.size());
    }

    static ObjectNode domain(JsonNode state, String name, Site site) throws PrimitiveException {
        if (state.path("domains").get(name) instanceof ObjectNode domain) {
            return domain;
        }
        throw fail("domain '%s' does not exist on site '%s'", name, site.name());
    }
}
