package dev.runbook.plan;

import dev.runbook.model.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Orders a list of steps: each after what it needs, otherwise in the order written. */
final class Order {

    private Order() {
    }

    /** The check stage has refused cycles and unknown needs, so this always places every step. */
    static List<Step> sort(List<Step> steps) {
        List<Step> out = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        List<Step> pending = new ArrayList<>(steps);
        while (!pending.isEmpty()) {
            Step next = pending.stream().filter(s -> placed.containsAll(s.common().needs().stream()
                    .filter(n -> steps.stream().anyMatch(x -> x.id().equals(n))).toList()))
                    .findFirst().orElse(pending.get(0));
            pending.remove(next);
            placed.add(next.id());
            out.add(next);
        }
        return out;
    }
}
