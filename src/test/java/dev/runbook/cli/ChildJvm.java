package dev.runbook.cli;

import java.util.ArrayList;
import java.util.List;

/** The command line that starts {@code runbook} in a fresh JVM with this test's class path. */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** java, the flags the launcher uses, the extra options, the class path and the main class. */
    public static List<String> command(String... jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        int feature = Runtime.version().feature();
        if (feature >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        if (feature >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.add("-Dpolyglot.engine.WarnInterpreterOnly=false");
        cmd.add("-XX:TieredStopAtLevel=1"); // short-lived children: start fast rather than peak
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        return cmd;
    }
}
