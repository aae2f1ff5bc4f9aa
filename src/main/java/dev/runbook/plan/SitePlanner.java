package dev.runbook.plan;

import com.fasterxml.jackson.databind.JsonNode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.check.Checker;
import dev.runbook.expr.Expressions;
import dev.runbook.load.Loaded;
import dev.runbook.load.Loader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Document;
import dev.runbook.model.Durations;
import dev.runbook.model.Hashes;
import dev.runbook.model.Inventory;
import dev.runbook.model.RecoveryPlan;
import dev.runbook.model.RecoveryPlan.Gate;
import dev.runbook.model.Runbook;
import dev.runbook.model.Suggest;
import dev.runbook.primitive.Catalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Binds a recovery plan to an inventory: resolves its members to VMs (by name and by label selector),
 * checks its dependencies (unknown VMs, cycles, edges that can never be met), picks each VM's runbook and
 * plans it. Every problem is located in the plan document, or in the runbook it names.
 */
final class SitePlanner {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Catalog catalog;
    private final Expressions expressions;
    private final Path shippedRunbooks;
    private final Path templates;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final Map<Path, Loaded<Runbook>> runbooks = new HashMap<>();
    private final Set<Path> reported = new HashSet<>();

    SitePlanner(Catalog catalog, Expressions expressions, Path shippedRunbooks, Path templates) {
        this.catalog = catalog;
        this.expressions = expressions;
        this.shippedRunbooks = shippedRunbooks;
        this.templates = templates;
    }

    /** A member resolved to one VM, with where it was named. */
    private record Placed(RecoveryPlan.Tier tier, RecoveryPlan.Member member, Inventory.Vm vm, int tierIndex) {
    }

    /** Each runbook's templates, opened once for all the VMs it plans. */
    private final Map<Path, dev.runbook.template.Templates> templatesOf = new java.util.HashMap<>();

    Loaded<SitePlan> plan(RecoveryPlan plan, Inventory inventory) {
        Document doc = plan.document();
        Map<String, Placed> placed = new LinkedHashMap<>();
        for (int t = 0; t < plan.tiers().size(); t++) {
            RecoveryPlan.Tier tier = plan.tiers().get(t);
            if (plan.tiers().subList(0, t).stream().anyMatch(o -> o.name().equals(tier.name()))) {
                error(doc, tier.pointer() + "/name", "duplicate-tier", "tier '" + tier.name() + "' is named twice");
            }
            for (RecoveryPlan.Member m : tier.members()) {
                for (Inventory.Vm vm : resolve(doc, m, inventory)) {
                    Placed before = placed.putIfAbsent(vm.name(), new Placed(tier, m, vm, t));
                    if (before != null) {
                        error(doc, m.pointer(), "vm-twice", "vm '" + vm.name() + "' is already in tier '"
                                + before.tier().name() + "' (" + doc.at(before.member().pointer()) + "); a VM is "
                                + "recovered once per plan");
                    }
                }
            }
        }
        checkEdges(doc, placed);
        checkAddresses(inventory, placed, plan.operation() == dev.runbook.model.Operation.TEST_FAILOVER);
        List<SitePlan.Tier> tiers = new ArrayList<>();
        for (RecoveryPlan.Tier tier : plan.tiers()) {
            List<SitePlan.Vm> vms = new ArrayList<>();
            for (Placed p : placed.values()) {
                if (p.tier() == tier) {
                    vm(plan, inventory, p).ifPresent(vms::add);
                }
            }
            tiers.add(new SitePlan.Tier(tier.name(), tier.concurrency().orElse(null),
                    tier.rto().map(Durations::format).orElse(null), List.copyOf(vms)));
        }
        if (diagnostics.stream().anyMatch(Diagnostic::isError)) {
            return new Loaded<>(Optional.empty(), List.copyOf(diagnostics));
        }
        SitePlan out = new SitePlan(SitePlan.VERSION,
                new Plan.Source(plan.metadata().name(), plan.metadata().version(), doc.file(), doc.sha256()),
                new Plan.Source(inventory.name(), null, inventory.document().file(),
                        inventory.document().sha256()),
                plan.operation().id(), plan.concurrency().vms(),
                bound(plan.concurrency().perSite()), bound(plan.concurrency().bootingPerSite()),
                bound(plan.concurrency().heavyPerSite()), plan.onFailure().id(),
                plan.rto().map(Durations::format).orElse(null), List.copyOf(tiers), null);
        return new Loaded<>(Optional.of(out.withHash(hash(out))), List.copyOf(diagnostics));
    }

    /** A bound as planned: null for none, so that a plan without it hashes as before it existed. */
    private static Integer bound(int value) {
        return value == 0 ? null : value;
    }

    /**
     * The plan's content hash: SHA-256 over its JSON without the hash, each VM's plan standing there as its own
     * content hash (which covers it whole), so that the megabytes of a thousand VMs' plans are not written out
     * and digested a second time.
     */
    static String hash(SitePlan plan) {
        List<SitePlan.Tier> tiers = plan.tiers().stream().map(t -> new SitePlan.Tier(t.name(), t.concurrency(), t.rto(),
                t.vms().stream().map(v -> new SitePlan.Vm(v.vm(), v.site(), v.runbookFile(), v.critical(), v.after(),
                        v.gates(), null)).toList())).toList();
        List<String> vmPlans = plan.vms().stream().map(v -> v.plan().hash()).toList();
        SitePlan bare = new SitePlan(plan.planVersion(), plan.recoveryPlan(), plan.inventory(), plan.operation(),
                plan.concurrency(), plan.perSite(), plan.bootingPerSite(), plan.heavyPerSite(), plan.onFailure(),
                plan.rto(), tiers, null);
        try {
            return "sha256:" + Hashes.sha256(MAPPER.writeValueAsString(new Hashed(bare, vmPlans)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the plan's hash is taken over. */
    private record Hashed(SitePlan plan, List<String> vmPlans) {
    }

    private List<Inventory.Vm> resolve(Document doc, RecoveryPlan.Member m, Inventory inventory) {
        if (m.name().isPresent()) {
            Optional<Inventory.Vm> vm = inventory.vm(m.name().get());
            if (vm.isEmpty()) {
                List<String> names = inventory.vms().stream().map(Inventory.Vm::name).toList();
                error(doc, m.pointer() + "/name", "unknown-vm", "the inventory has no VM '" + m.name().get() + "'"
                        + Suggest.closest(m.name().get(), names).map(s -> "; did you mean '" + s + "'?").orElse(""));
                return List.of();
            }
            return List.of(vm.get());
        }
        List<Inventory.Vm> out = inventory.vms().stream().filter(v -> m.labels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(v.json().path("labels").path(e.getKey()).asText(null)))).toList();
        if (out.isEmpty()) {
            error(doc, m.pointer() + "/select", "selects-nothing", "no inventory VM has the labels " + m.labels()
                    + "; add them to the VMs' `labels` or fix the selector");
        }
        return out;
    }

    /**
     * No two VMs of the plan come back with the same captured static IPv4 on networks that recover onto the same
     * network (the production one, or for a test failover the test one): both would restore it, and one would
     * take the other's traffic. Located at the second address in the inventory.
     */
    private void checkAddresses(Inventory inventory, Map<String, Placed> placed, boolean test) {
        Map<String, String> production = new HashMap<>();
        inventory.networks().forEach(n -> production.put(n.source(), test ? n.test() : n.production()));
        Map<String, String> first = new HashMap<>();
        for (Placed p : placed.values()) {
            JsonNode nics = p.vm().json().path("nics");
            for (int i = 0; i < nics.size(); i++) {
                JsonNode ipv4 = nics.get(i).path("ipv4");
                if (!ipv4.isObject() || !ipv4.has("address")) {
                    continue;
                }
                String network = nics.get(i).path("network").asText();
                String key = production.getOrDefault(network, network) + " " + ipv4.path("address").asText();
                String where = p.vm().pointer() + "/nics/" + i + "/ipv4/address";
                String before = first.putIfAbsent(key, p.vm().name() + " (" + inventory.document().at(where) + ")");
                if (before != null) {
                    diagnostics.add(Diagnostic.error(inventory.document().at(where), "address-conflict", "vm '"
                            + p.vm().name() + "' would restore " + ipv4.path("address").asText() + " on "
                            + production.getOrDefault(network, network) + ", which " + before + " restores in this "
                            + "plan too; give one of them another address or leave one out of the plan"));
                }
            }
        }
    }

    /** Dependencies name VMs of the plan, other than their own; none can wait on a later tier; no cycles. */
    private void checkEdges(Document doc, Map<String, Placed> placed) {
        Map<String, List<String>> graph = new LinkedHashMap<>();
        for (Placed p : placed.values()) {
            for (RecoveryPlan.Edge e : p.member().after()) {
                Placed dep = placed.get(e.vm());
                if (dep == null) {
                    error(doc, e.pointer(), "unknown-dependency", "'" + e.vm() + "' is not a VM of this plan"
                            + Suggest.closest(e.vm(), placed.keySet()).map(s -> "; did you mean '" + s + "'?").orElse(""));
                } else if (dep.vm() == p.vm()) {
                    error(doc, e.pointer(), "dependency-cycle", "vm '" + e.vm() + "' waits for itself");
                } else if (dep.tierIndex() > p.tierIndex()) {
                    error(doc, e.pointer(), "unmet-dependency", "vm '" + p.vm().name() + "' in tier '" + p.tier().name()
                            + "' waits for '" + e.vm() + "' in the later tier '" + dep.tier().name() + "', which starts"
                            + " only after this tier has settled: this can never be met; move one of them");
                } else {
                    graph.computeIfAbsent(p.vm().name(), k -> new ArrayList<>()).add(e.vm());
                }
            }
        }
        Set<String> done = new HashSet<>();
        for (String start : graph.keySet()) {
            cycleFrom(doc, start, graph, new LinkedHashSet<>(), done, placed);
        }
    }

    private void cycleFrom(Document doc, String at, Map<String, List<String>> graph, LinkedHashSet<String> path,
                           Set<String> done, Map<String, Placed> placed) {
        if (done.contains(at)) {
            return;
        }
        if (!path.add(at)) {
            List<String> cycle = new ArrayList<>(path);
            cycle = cycle.subList(cycle.indexOf(at), cycle.size());
            error(doc, placed.get(at).member().pointer() + "/after", "dependency-cycle", "dependencies form a cycle: "
                    + String.join(" -> ", cycle) + " -> " + at);
            return;
        }
        for (String next : graph.getOrDefault(at, List.of())) {
            cycleFrom(doc, next, graph, path, done, placed);
        }
        path.remove(at);
        done.add(at);
    }

    private Optional<SitePlan.Vm> vm(RecoveryPlan plan, Inventory inventory, Placed p) {
        Document doc = plan.document();
        String pointer;
        String written;
        if (p.member().runbook().isPresent()) {
            pointer = p.member().pointer() + "/runbook";
            written = p.member().runbook().get();
        } else if (p.tier().runbook().isPresent()) {
            pointer = p.tier().pointer() + "/runbook";
            written = p.tier().runbook().get();
        } else if (plan.runbook().isPresent()) {
            pointer = "/spec/runbook";
            written = plan.runbook().get();
        } else {
            pointer = "/spec/operation";
            written = null;
        }
        Path file = runbookFile(doc, written, plan.operation().id());
        if (!Files.isRegularFile(file)) {
            error(doc, pointer, "unknown-runbook", "runbook " + file + " does not exist (a per-VM runbook is found "
                    + "beside the plan, else among the shipped runbooks)");
            return Optional.empty();
        }
        Loaded<Runbook> runbook = runbooks.computeIfAbsent(file.toAbsolutePath().normalize(), this::load);
        if (runbook.value().isEmpty()) {
            if (reported.add(file.toAbsolutePath().normalize())) {
                diagnostics.addAll(runbook.diagnostics());
            }
            return Optional.empty();
        }
        if (runbook.value().get().operation() != plan.operation()) {
            error(doc, pointer, "operation-mismatch", "runbook " + file + " performs "
                    + runbook.value().get().operation().id() + ", but this plan is a " + plan.operation().id());
            return Optional.empty();
        }
        Planner planner = new Planner(catalog, expressions, templatesOf.computeIfAbsent(file.toAbsolutePath().normalize(),
                f -> Pipeline.templatesFor(f, templates)));
        Loaded<Plan> planned = planner.plan(runbook.value().get(), inventory,
                new Planner.Request(p.vm().name(), p.member().inputs()));
        if (planned.value().isEmpty()) {
            diagnostics.add(Diagnostic.error(doc.at(p.member().pointer()), "vm-plan", "vm '" + p.vm().name()
                    + "' does not plan with " + file + "; its problems follow"));
            diagnostics.addAll(planned.diagnostics());
            return Optional.empty();
        }
        List<SitePlan.Edge> after = p.member().after().stream()
                .map(e -> new SitePlan.Edge(e.vm(), e.waitFor().id())).toList();
        List<Gate> gates = p.member().gates().orElse(p.tier().gates());
        return Optional.of(new SitePlan.Vm(p.vm().name(), p.vm().recoverySite(), file.toString(), p.member().critical(),
                after, gates.stream().map(SitePlanner::gate).toList(), planned.value().get()));
    }

    private Loaded<Runbook> load(Path file) {
        Loaded<Runbook> loaded = Loader.runbook(file);
        if (loaded.value().isEmpty()) {
            return loaded;
        }
        List<Diagnostic> all = new ArrayList<>(loaded.diagnostics());
        all.addAll(new Checker(catalog, expressions).check(loaded.value().get(), Pipeline.templatesFor(file, templates)));
        return new Loaded<>(all.stream().anyMatch(Diagnostic::isError) ? Optional.empty() : loaded.value(), all);
    }

    /** A runbook named in the plan: beside the plan, else among the shipped ones; the operation's by default. */
    private Path runbookFile(Document doc, String written, String operation) {
        if (written == null) {
            return shippedRunbooks.resolve(operation + ".yaml");
        }
        Path beside = Path.of(doc.file()).toAbsolutePath().getParent().resolve(written).normalize();
        if (Files.exists(beside)) {
            return beside;
        }
        Path shipped = shippedRunbooks.resolve(Path.of(written).getFileName().toString());
        return Files.exists(shipped) ? shipped : beside;
    }

    private static SitePlan.Gate gate(Gate g) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String timeout = Durations.format(g.timeout());
        return switch (g) {
            case Gate.Tcp t -> {
                ObjectNode spec = f.objectNode().put("port", t.port());
                t.host().ifPresent(h -> spec.put("host", h));
                yield new SitePlan.Gate("tcp", spec, timeout);
            }
            case Gate.Http h -> {
                ObjectNode spec = f.objectNode().put("url", h.url());
                h.status().ifPresent(s -> spec.put("status", s));
                yield new SitePlan.Gate("http", spec, timeout);
            }
            case Gate.Remediation r -> new SitePlan.Gate("remediation",
                    f.objectNode().put("require", r.succeeded() ? "succeeded" : "final"), timeout);
            case Gate.Condition c -> new SitePlan.Gate("expression", f.textNode(c.expression().text()), timeout);
            case Gate.Delay d -> new SitePlan.Gate("delay", f.nullNode(), timeout);
        };
    }

    private void error(Document doc, String pointer, String rule, String message) {
        diagnostics.add(Diagnostic.error(doc.at(pointer), rule, message));
    }
}
