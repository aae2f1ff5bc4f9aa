package dev.runbook.primitive.libvirt;

import dev.runbook.primitive.PrimitiveException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/** A program of this host run to its end (qemu-img, hivexregedit), with what it printed. */
final class HostTool {

    private HostTool() {
    }

    /**
     * Runs {@code program} with {@code args} and no input; an interrupt kills it. {@code install} says how
     * to get the program when it cannot be started.
     */
    static ProgramOutput run(String program, String install, List<String> args) throws PrimitiveException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(program);
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new PrimitiveException(program + " cannot be started (" + e.getMessage() + "); install it: " + install, e);
        }
        try {
            // Both streams drain on their own threads; this one waits, so an interrupt kills the process.
            var out = drain(process.getInputStream());
            var err = drain(process.getErrorStream());
            int exit = process.waitFor();
            return new ProgramOutput(exit, out.get().strip(), err.get().strip());
        } catch (ExecutionException e) {
            throw new PrimitiveException(String.join(" ", command) + " failed: " + e.getCause().getMessage(), e);
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** Runs the program and fails with its message unless it exits 0; returns what it printed. */
    static String check(String program, String install, List<String> args) throws PrimitiveException, InterruptedException {
        ProgramOutput outcome = run(program, install, args);
        if (outcome.exit() != 0) {
            throw new PrimitiveException(program + " " + String.join(" ", args) + " failed: "
                    + (outcome.err().isEmpty() ? "exit " + outcome.exit() : outcome.err()));
        }
        return outcome.out();
    }

    private static Future<String> drain(InputStream stream) {
        var task = new FutureTask<>(() -> new String(stream.readAllBytes(), StandardCharsets.UTF_8));
        Thread.ofVirtual().start(task);
        return task;
    }
}
