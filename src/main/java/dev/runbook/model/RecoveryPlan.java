package dev.runbook.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A schema-valid recovery plan: many VMs recovered in one run, in ordered tiers, with dependencies, readiness
 * gates, concurrency bounds and a failure policy. Positions resolve through {@link #document()} by JSON pointer.
 */
public record RecoveryPlan(Document document, Runbook.Metadata metadata, Operation operation, Optional<String> runbook,
                           Concurrency concurrency, FailurePolicy onFailure, Optional<Duration> rto, List<Tier> tiers) {

    /** What happens to the rest of the plan when a VM fails. */
    public enum FailurePolicy {
        /** The failed VM is compensated alone; VMs that wait for it are not attempted; the rest go on. */
        SKIP_DEPENDENTS("skipDependents"),
        /** VMs that wait for the failed one still run. */
        CONTINUE("continue"),
        /** Nothing more starts; VMs in flight finish. */
        HALT("halt");

        private final String id;

        FailurePolicy(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static FailurePolicy of(String id) {
            for (FailurePolicy p : values()) {
                if (p.id.equals(id)) {
                    return p;
                }
            }
            return SKIP_DEPENDENTS;
        }
    }

    /**
     * Bounds on VMs in flight, applied together.
     *
     * @param vms            in the whole plan
     * @param perSite        on one recovery site, or 0 for no bound beyond {@code vms}
     * @param bootingPerSite VMs booting (started, not yet ready or failed) on one recovery site, or 0
     * @param heavyPerSite   heavy primitives (adaptation, staging) running at once on one recovery site, or 0
     */
    public record Concurrency(int vms, int perSite, int bootingPerSite, int heavyPerSite) {
        public static final int DEFAULT_VMS = 10;
    }

    /** A priority group. */
    public record Tier(String name, Optional<Integer> concurrency, Optional<String> runbook, Optional<Duration> rto,
                       List<Gate> gates, List<Member> members, String pointer) {
    }

    /** A VM by name, or the VMs whose labels include all of {@code labels}. */
    public record Member(Optional<String> name, Map<String, String> labels, Optional<String> runbook,
                         Map<String, String> inputs, boolean critical, List<Edge> after, Optional<List<Gate>> gates,
                         String pointer) {
    }

    /** What a dependency waits for. */
    public enum Wait {
        /** Its runbook reached its target and its gates passed. */
        READY,
        /** Its recovered domain started. */
        STARTED,
        /** It ended, whatever its outcome. */
        ATTEMPTED;

        public String id() {
            return name().toLowerCase();
        }

        public static Wait of(String id) {
            return valueOf(id.toUpperCase());
        }
    }

    /** A dependency on another VM of the plan. */
    public record Edge(String vm, Wait waitFor, String pointer) {
    }

    /** One readiness check, polled until it passes or its timeout ends. */
    public sealed interface Gate {
        Duration timeout();

        String pointer();

        /** A TCP port opens; host empty for the VM's first captured IPv4. */
        record Tcp(Optional<String> host, int port, Duration timeout, String pointer) implements Gate {
        }

        /** An HTTP GET answers {@code status}, or any 2xx when empty. */
        record Http(String url, Optional<Integer> status, Duration timeout, String pointer) implements Gate {
        }

        /** Guest remediation is final (or not needed), or, with {@code succeeded}, succeeded. */
        record Remediation(boolean succeeded, Duration timeout, String pointer) implements Gate {
        }

        /** An expression over {@code vm} and {@code run} is true. */
        record Condition(Expr expression, Duration timeout, String pointer) implements Gate {
        }

        /** A fixed wait. */
        record Delay(Duration timeout, String pointer) implements Gate {
        }
    }
}
