package dev.runbook.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every guest template in every flavour and network mode: golden files, the real checkers of each
 * language (shellcheck, netplan generate, systemd-analyze verify), and the promise that nothing outside
 * the guest's network settings is touched.
 */
class GuestTemplatesTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden/templates");

    @TestFactory
    Stream<DynamicTest> everyTemplateMatchesItsGoldenFile() {
        List<DynamicTest> tests = new ArrayList<>();
        GuestCases.all().forEach((name, vm) -> {
            for (String file : GuestCases.files(vm)) {
                tests.add(DynamicTest.dynamicTest(name + " " + file, () -> {
                    String out = GuestCases.render(file, vm);
                    Path golden = GOLDEN.resolve(name).resolve(file.replaceFirst("\\.ftl$", ""));
                    if (Boolean.getBoolean("golden.update")) {
                        Files.createDirectories(golden.getParent());
                        Files.writeString(golden, out);
                    }
                    assertTrue(Files.exists(golden), "golden file missing; create it with -Dgolden.update=true");
                    assertEquals(Files.readString(golden), out, "update with -Dgolden.update=true after an intended change");
                }));
            }
        });
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyRenderedShellScriptPassesShellcheck() {
        assumeTrue(onPath("shellcheck"), "SKIPPED LOUDLY: shellcheck is not installed; bin/test installs it (apt-get install shellcheck)");
        return GuestCases.all().entrySet().stream()
                .filter(e -> e.getValue().at("/os/family").asText().equals("linux"))
                .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
                    Path script = Files.createTempFile("firstboot", ".sh");
                    try {
                        Files.writeString(script, GuestCases.render("linux/firstboot.sh.ftl", e.getValue()));
                        Result r = run(List.of("shellcheck", "--severity=style", "--shell=bash", script.toString()));
                        assertEquals(0, r.code, "shellcheck findings:\n" + r.out);
                    } finally {
                        Files.deleteIfExists(script);
                    }
                }));
    }

    @Test
    void renderedNetplanPassesNetplanGenerate(@TempDir Path root) throws Exception {
        assumeTrue(onPath("netplan"), "SKIPPED LOUDLY: netplan.io is not installed; bin/test installs it (apt-get install netplan.io)");
        JsonNode vm = GuestCases.all().get("linux-netplan");
        String yaml = heredoc(GuestCases.render("linux/firstboot.sh.ftl", vm));
        Path file = root.resolve("etc/netplan/90-runbook-525400100001.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Result r = run(List.of("netplan", "generate", "--root-dir", root.toString()));
        assertEquals(0, r.code, "netplan generate refused the rendered file:\n" + r.out + "\n" + yaml);
        try (Stream<Path> generated = Files.walk(root.resolve("run"))) {
            String network = generated.filter(p -> p.toString().endsWith(".network")).map(GuestTemplatesTest::read)
                    .reduce("", String::concat);
            assertTrue(network.contains("Address=10.10.0.21/24"), "networkd file from netplan:\n" + network);
            assertTrue(network.contains("MACAddress=52:54:00:10:00:01"), network);
            assertTrue(network.contains("Gateway=10.10.0.1"), network);
            assertTrue(network.contains("DNS=10.10.0.2"), network);
        }
    }

    @Test
    void theFirstBootUnitPassesSystemdAnalyzeVerify(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("systemd-analyze"), "SKIPPED LOUDLY: systemd-analyze is not available on this machine");
        String unit = GuestCases.render("linux/runbook-firstboot.service.ftl", GuestCases.all().get("linux-netplan"));
        // verify checks that ExecStart exists: point it at a real executable in the scratch folder.
        Path exec = dir.resolve("runbook-firstboot");
        Files.writeString(exec, "#!/bin/sh\nexit 0\n");
        exec.toFile().setExecutable(true);
        Path file = dir.resolve("runbook-firstboot.service");
        Files.writeString(file, unit.replace("/usr/local/sbin/runbook-firstboot", exec.toString()));
        Result r = run(List.of("systemd-analyze", "verify", "--man=no", file.toString()));
        assertFalse(r.out.contains("runbook-firstboot.service:"), "systemd-analyze verify findings:\n" + r.out);
        assertEquals(0, r.code, r.out);
    }

    /** Commands and paths that would reach beyond the guest's network settings. */
    private static final Map<String, Pattern> NEVER = Map.ofEntries(
            Map.entry("users or passwords", Pattern.compile("(?i)\\b(useradd|usermod|userdel|passwd|chpasswd|"
                    + "New-LocalUser|Set-LocalUser|Remove-LocalUser|net\\s+user|Add-LocalGroupMember)\\b")),
            Map.entry("domain membership", Pattern.compile("(?i)\\b(Add-Computer|Remove-Computer|Rename-Computer|"
                    + "realm\\s+(join|leave)|adcli|netdom|hostnamectl|Reset-ComputerMachinePassword)\\b")),
            Map.entry("application services", Pattern.compile("(?i)(\\b(Stop-Service|Restart-Service|Remove-Service|"
                    + "sc\\.exe)\\b|systemctl\\s+(stop|restart|mask|kill|enable|start)\\b|"
                    + "Set-Service\\s+-Name\\s+(?!'QEMU-GA'|'RunbookFirstboot')|Start-Service\\s+-Name\\s+(?!'QEMU-GA'))")),
            Map.entry("application data", Pattern.compile("(?i)(\\brm\\s+-|\\bRemove-Item\\b|\\bFormat-Volume\\b|"
                    + "\\bClear-Disk\\b|\\bInitialize-Disk\\b|\\bmkfs|\\bdd\\s+if=|\\btruncate\\b|/home/|/srv/|/opt/|"
                    + "/var/lib/(?!runbook)|C:\\\\Users|\\$env:USERPROFILE)")));

    /** The only places the Linux script writes files. */
    private static final Pattern WRITES = Pattern.compile("write_file \"([^\"]*)\"");
    private static final List<String> WRITABLE = List.of("/etc/netplan/", "/etc/NetworkManager/system-connections/",
            "/etc/systemd/network/", "/etc/sysconfig/network-scripts/");

    @TestFactory
    Stream<DynamicTest> noTemplateTouchesDataUsersDomainOrApplications() {
        return GuestCases.all().entrySet().stream().flatMap(e -> GuestCases.files(e.getValue()).stream()
                .map(file -> DynamicTest.dynamicTest(e.getKey() + " " + file, () -> {
                    String out = GuestCases.render(file, e.getValue());
                    String code = out.lines().filter(l -> !l.strip().startsWith("#")).reduce("", (a, b) -> a + b + "\n");
                    NEVER.forEach((what, pattern) -> {
                        Matcher m = pattern.matcher(code);
                        boolean found = m.find();
                        assertFalse(found, () -> file + " touches " + what + ": '" + m.group() + "'");
                    });
                    Matcher w = WRITES.matcher(code);
                    while (w.find()) {
                        String target = w.group(1);
                        assertTrue(WRITABLE.stream().anyMatch(target::startsWith),
                                file + " writes " + target + ", outside the network settings " + WRITABLE);
                    }
                })));
    }

    @Test
    void noTemplateTurnsQuotingOff() throws IOException {
        try (Stream<Path> files = Files.walk(GuestCases.TEMPLATES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".ftl")).toList()) {
                String text = Files.readString(f);
                for (String unsafe : List.of("?no_esc", "noautoesc", "<#outputformat", "?eval", "?interpret", "?new", "?api")) {
                    assertFalse(text.contains(unsafe), f + " uses " + unsafe + ", which would let a value bypass quoting");
                }
                assertTrue(Templates.language(GuestCases.TEMPLATES.relativize(f).toString()).isPresent(),
                        f + " has no known target language");
            }
        }
    }

    static String heredoc(String script) {
        Matcher m = Pattern.compile("<<'RUNBOOK_EOF'\\n(.*?)\\nRUNBOOK_EOF", Pattern.DOTALL).matcher(script);
        assertTrue(m.find(), "no heredoc in the script");
        return m.group(1) + "\n";
    }

    record Result(int code, String out) {
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"), new String[] {"/usr/sbin", "/sbin"})
                .flatMap(Stream::of).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
