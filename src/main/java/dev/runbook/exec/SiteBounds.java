package dev.runbook.exec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.plan.SitePlan;
import dev.runbook.primitive.Call;
import dev.runbook.primitive.HypervisorSpecs;
import dev.runbook.primitive.Observation;
import dev.runbook.primitive.Primitive;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.PrimitiveSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.UnaryOperator;

/**
 * The bounds of a recovery plan that hold on each recovery site (one libvirt host) below the VM level: how
 * many heavy primitives (a disk rewritten through an appliance) run there at once, and how many VMs boot
 * there at once. A VM boots from the call that starts its recovered domain until it has settled (ready,
 * failed or rolled back); a VM that would exceed the bound waits before its domain starts, holding its
 * place among the VMs in flight, so a boot storm is paced where it costs the host.
 *
 * <p>The bounds are held in this process only: a plan run resumed after a crash counts the VMs that boot
 * from then on.
 */
public final class SiteBounds {

    private final Integer bootingPerSite;
    private final Integer heavyPerSite;
    private final Map<String, Semaphore> booting = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> heavy = new ConcurrentHashMap<>();
    /** The VMs holding a boot slot, each with its site. */
    private final Map<String, String> holders = new ConcurrentHashMap<>();
    private volatile Waits waits = NO_ONE;

    private static final Waits NO_ONE = new Waits() {
        @Override
        public void waiting(String vm, String why) {
        }

        @Override
        public void goesOn(String vm) {
        }
    };

    /** Hears a VM that has to wait for a slot (with why) and, once it has it, that it goes on. */
    interface Waits {
        void waiting(String vm, String why);

        void goesOn(String vm);
    }

    /** The bounds {@code plan} sets on each of its recovery sites. */
    public SiteBounds(SitePlan plan) {
        this.bootingPerSite = plan.bootingPerSite();
        this.heavyPerSite = plan.heavyPerSite();
    }

    /** Tells {@code waits} of every VM that waits for a slot from now on. */
    void listen(Waits waits) {
        this.waits = waits;
    }

    /** What the engine of {@code vm} calls instead of each primitive: the primitive within these bounds. */
    public UnaryOperator<Primitive> around(SitePlan.Vm vm) {
        if (bootingPerSite == null && heavyPerSite == null) {
            return UnaryOperator.identity();
        }
        return primitive -> new Bounded(primitive, vm);
    }

    /** Ends {@code vm}'s boot: it is ready, failed or rolled back. */
    void settled(String vm) {
        String site = holders.remove(vm);
        if (site != null) {
            booting.get(site).release();
        }
    }

    private void boot(SitePlan.Vm vm) throws InterruptedException {
        if (bootingPerSite == null || holders.containsKey(vm.vm())) {
            return; // a retried start holds the slot its first attempt took
        }
        take(booting.computeIfAbsent(vm.site(), s -> new Semaphore(bootingPerSite, true)), vm,
                "VMs booting on " + vm.site() + " (bootingPerSite " + bootingPerSite + ")");
        holders.put(vm.vm(), vm.site());
    }

    /** Takes a slot, saying so when the VM has to wait for it. */
    private void take(Semaphore slots, SitePlan.Vm vm, String what) throws InterruptedException {
        if (slots.tryAcquire()) {
            return;
        }
        waits.waiting(vm.vm(), "waits for a slot: " + what + " are at their bound");
        slots.acquire();
        waits.goesOn(vm.vm());
    }

    /** A primitive of one VM's engine, within the bounds of the VM's recovery site. */
    private final class Bounded implements Primitive {
        private final Primitive inner;
        private final SitePlan.Vm vm;

        Bounded(Primitive inner, SitePlan.Vm vm) {
            this.inner = inner;
            this.vm = vm;
        }

        @Override
        public PrimitiveSpec spec() {
            return inner.spec();
        }

        @Override
        public JsonNode apply(Call call) throws PrimitiveException, InterruptedException {
            if (call.phase() == Call.Phase.APPLY && spec().name().equals(HypervisorSpecs.START.name())) {
                boot(vm);
            }
            if (!spec().heavy() || heavyPerSite == null || call.phase() == Call.Phase.PROBE) {
                return inner.apply(call);
            }
            Semaphore slots = heavy.computeIfAbsent(vm.site(), s -> new Semaphore(heavyPerSite, true));
            take(slots, vm, "heavy primitives on " + vm.site() + " (heavyPerSite " + heavyPerSite + ")");
            try {
                return inner.apply(call);
            } finally {
                slots.release();
            }
        }

        @Override
        public Observation observe(Call call) throws PrimitiveException, InterruptedException {
            return inner.observe(call);
        }
    }
}
