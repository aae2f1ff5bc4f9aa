package dev.runbook.bench;

/**
 * The files of N steps that {@link AnsibleBench} runs: Ansible playbooks and their equivalent runbooks. Both
 * sides do as little as their language allows per step, once with nothing to evaluate and once with one
 * expression evaluated when the step runs.
 */
final class StepFiles {

    /** The fact each {@code set_fact} task sets, from the one the task before set. */
    static final String SET_FACT = "x: \"{{ (x | default(0) | int) + 1 }}\"";

    /** The message of a note with an expression: it reads the run, so the engine evaluates it as the step runs. */
    static final String NOTE_MESSAGE = "${{ run.vm + ': ' + (inputs.n + 1) }}";

    private StepFiles() {
    }

    /** N tasks that Ansible's strategy schedules and does nothing with: its cheapest task. */
    static String noopPlaybook(int tasks) {
        return playbook(tasks, "  - ansible.builtin.meta: noop\n");
    }

    /** N tasks that each render a Jinja expression reading the fact the task before set. */
    static String setFactPlaybook(int tasks) {
        return playbook(tasks, "  - ansible.builtin.set_fact:\n      " + SET_FACT + "\n");
    }

    private static String playbook(int tasks, String task) {
        StringBuilder text = new StringBuilder("""
                - hosts: localhost
                  connection: local
                  gather_facts: false
                  tasks:
                """);
        text.append(task.repeat(tasks));
        return text.toString();
    }

    /**
     * A test failover of N {@code run.note} steps. With {@code expression}, each message is an expression that
     * reads the run, so the planner leaves it as written and the engine evaluates it when the step runs.
     */
    static String notes(int steps, boolean expression) {
        StringBuilder text = new StringBuilder("""
                apiVersion: runbooks/v1
                kind: Runbook
                metadata:
                  name: notes-%d
                  version: 1.0.0
                  description: %d notes in the run's timeline, for the engine's cost per step.
                spec:
                  operation: test-failover
                  inputs:
                    vm: {type: string, required: true}
                    n: {type: integer, default: 41}
                  steps:
                """.formatted(steps, steps));
        for (int i = 1; i <= steps; i++) {
            String message = expression ? NOTE_MESSAGE : "note " + i;
            text.append("    - {id: note-").append(i).append(", uses: run.note, with: {message: \"")
                    .append(message).append("\"}}\n");
        }
        return text.toString();
    }
}
