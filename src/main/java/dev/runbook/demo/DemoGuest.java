package dev.runbook.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.primitive.PrimitiveException;
import dev.runbook.primitive.libvirt.LibvirtSiteBuilder;
import dev.runbook.primitive.libvirt.SiteRef;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The first boot of a recovered Linux guest on the demo site, where libvirt's test driver starts no real
 * machine. When a run has staged remediation for a VM and started its domain, this boots it the only
 * part that matters here: it takes the staged first-boot script out of the replica root disk (only if
 * the staged unit is enabled, as systemd would), runs it as root in a network namespace whose adapters
 * carry the VM's MAC addresses, and writes what the script wrote (its status, the persisted network
 * settings) back into the disk. The run then reads the status back from the disk as it would from any
 * guest. Without root it cannot make the namespace, says so, and the run ends with "no report".
 */
public final class DemoGuest implements AutoCloseable {

    static final String SCRIPT = "/usr/local/sbin/runbook-firstboot";
    static final String STATE_DIR = "/var/lib/runbook/";
    static final String UNIT_LINK = "/etc/systemd/system/multi-user.target.wants/runbook-firstboot.service";

    private final LibvirtSiteBuilder recovery;
    private final Path disks;
    private final PrintWriter log;
    private final Set<String> booted = new HashSet<>();
    private final Thread thread;
    private volatile boolean stop;

    private DemoGuest(Path siteDir, SiteRef recovery, PrintWriter log) {
        this.recovery = LibvirtSiteBuilder.of(recovery);
        this.disks = siteDir.resolve("disks/recovery");
        this.log = log;
        this.thread = Thread.ofVirtual().name("demo-guest").unstarted(this::watch);
    }

    /** Starts watching the demo site's recovery site for guests to boot. */
    public static DemoGuest start(Path siteDir, SiteRef recovery, PrintWriter log) {
        DemoGuest guest = new DemoGuest(siteDir, recovery, log);
        guest.thread.start();
        return guest;
    }

    private void watch() {
        while (!stop) {
            try {
                JsonNode remediation = recovery.state().path("remediation");
                for (DemoSite.Vm vm : DemoSite.VMS) {
                    JsonNode entry = remediation.path(vm.name());
                    String key = vm.name() + "/" + entry.path("run").asText();
                    if (!"scheduled".equals(entry.path("status").asText()) || booted.contains(key)) {
                        continue;
                    }
                    String state = recovery.power("ctrl-" + vm.name());
                    if ("running".equals(state)) {
                        booted.add(key);
                        boot(vm);
                    }
                }
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            } catch (PrimitiveException | RuntimeException e) {
                say("demo guest: " + e.getMessage());
                sleepQuietly();
            }
        }
    }

    private void boot(DemoSite.Vm vm) throws PrimitiveException, InterruptedException {
        if (vm.windows()) {
            say("demo guest: " + vm.name() + " is a Windows guest, which this host cannot run; its remediation "
                    + "will have no report");
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            say("demo guest: not root, so " + vm.name() + "'s first boot cannot run in a network namespace; its "
                    + "remediation will have no report");
            return;
        }
        Path disk = disks.resolve(vm.name() + "-" + vm.disks().get(0) + ".qcow2");
        say("demo guest: " + vm.name() + " boots: its staged first-boot script runs in a network namespace with "
                + "adapter MAC " + vm.mac());
        try (LibvirtSiteBuilder.GuestDisk fs = LibvirtSiteBuilder.openDisk(disk)) {
            if (!fs.exists(UNIT_LINK)) {
                say("demo guest: " + vm.name() + " has no enabled first-boot unit; nothing runs");
                return;
            }
            String script = fs.read(SCRIPT).orElse("");
            Optional<String> url = fs.read(STATE_DIR + "report-url");
            Optional<String> header = fs.read(STATE_DIR + "report-header");
            Path root = Files.createTempDirectory("runbook-demo-guest");
            try {
                Files.createDirectories(root.resolve("etc"));
                Path file = root.resolve("firstboot.sh");
                Files.writeString(file, script);
                Path reportFiles = root.resolve(STATE_DIR.substring(1));
                if (url.isPresent() && header.isPresent()) {
                    Files.createDirectories(reportFiles);
                    Files.writeString(reportFiles.resolve("report-url"), url.get());
                    Files.writeString(reportFiles.resolve("report-header"), header.get());
                }
                String result = inNamespace(vm, root, file, url.flatMap(DemoGuest::endpointAddress));
                Files.delete(file);
                // the token stays as staged (0600) in the disk; only what the script wrote goes back
                Files.deleteIfExists(reportFiles.resolve("report-url"));
                Files.deleteIfExists(reportFiles.resolve("report-header"));
                for (Path written : files(root)) {
                    String inside = "/" + root.relativize(written);
                    fs.write(inside, Files.readAllBytes(written), inside.startsWith("/etc/netplan") ? "0600" : "0644");
                }
                say("demo guest: " + vm.name() + "'s first boot ended: " + result);
            } finally {
                try (var all = Files.walk(root)) {
                    all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new PrimitiveException("demo guest " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The report endpoint's IPv4 address when the run staged one: the host end of the guest's adapter
     * takes it, so that the guest reaches the endpoint over its own link, as a guest reaches its gateway.
     */
    static Optional<String> endpointAddress(String url) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^https?://(\\d{1,3}(?:\\.\\d{1,3}){3})[:/]")
                .matcher(url.strip());
        return m.find() && !m.group(1).startsWith("127.") ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Runs the script in a fresh namespace with one veth adapter carrying the VM's MAC, whose host end
     * carries the report endpoint's address when there is one; returns its status.
     */
    private static String inNamespace(DemoSite.Vm vm, Path root, Path script, Optional<String> endpoint)
            throws IOException, InterruptedException {
        String ns = "rbk-demo-" + vm.name();
        String adapter = "eth0";
        String peer = "rbkd" + vm.name();
        run("ip", "netns", "del", ns);
        run("ip", "link", "del", peer);
        try {
            check("ip", "netns", "add", ns);
            check("ip", "link", "add", adapter, "address", vm.mac(), "netns", ns, "type", "veth", "peer", "name", peer);
            check("ip", "link", "set", peer, "up");
            if (endpoint.isPresent()) {
                check("ip", "address", "add", endpoint.get() + "/24", "dev", peer);
            }
            String out = run("env", "RUNBOOK_ROOT=" + root, "ip", "netns", "exec", ns, "bash", script.toString());
            String addresses = run("ip", "-n", ns, "-4", "-o", "address", "show", "dev", adapter);
            Path status = root.resolve("var/lib/runbook/remediation-status.json");
            String line = Files.exists(status) ? Files.readString(status).strip() : "no status written: " + out.strip();
            return line + (addresses.isBlank() ? "" : "\n   " + addresses.strip().replaceAll("\\s+", " "));
        } finally {
            run("ip", "link", "del", peer);
            run("ip", "netns", "del", ns);
        }
    }

    private static List<Path> files(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        try (var all = Files.walk(root)) {
            all.filter(Files::isRegularFile).sorted().forEach(out::add);
        }
        return out;
    }

    private static void check(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": " + out.strip());
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private void say(String line) {
        synchronized (log) {
            log.println("   " + line);
            log.flush();
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            stop = true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(30_000);
    }
}
