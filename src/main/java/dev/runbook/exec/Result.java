package dev.runbook.exec;

/**
 * Where a run stands after the engine stopped driving it.
 *
 * @param runId   the run, or null when it was refused before being recorded
 * @param state   its state, or null when refused
 * @param message what happened, for the operator: the failure, the failing prechecks with their fix
 *                text, the compensations that failed, or why it was refused
 */
public record Result(String runId, RunState state, String message) {

    public static Result refused(String message) {
        return new Result(null, null, message);
    }

    public boolean refused() {
        return state == null;
    }
}
