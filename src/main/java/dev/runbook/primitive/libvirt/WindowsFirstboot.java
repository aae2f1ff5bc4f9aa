package dev.runbook.primitive.libvirt;

import dev.runbook.primitive.CallSupport;
import dev.runbook.primitive.PrimitiveException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes Windows run the staged first-boot stage when it starts, as virt-v2v does: a service wrapper
 * (rhsrvany.exe or pvvxsvc.exe) is staged next to the scripts and registered, offline, in the disk's
 * SYSTEM hive as an automatic service whose command line is the first-boot script. The script disables
 * the service before anything else, so it runs once. The hive is edited with {@code hivexregedit}
 * (package {@code libwin-hivex-perl}) on a copy taken out of the disk and put back.
 */
final class WindowsFirstboot {

    static final String SERVICE = "RunbookFirstboot";
    static final String HIVE = "C:/Windows/System32/config/SYSTEM";
    private static final String STATE_DIR = "C:/ProgramData/Runbook/";
    private static final Path VIRT_TOOLS = Path.of("/usr/share/virt-tools");
    private static final List<String> WRAPPERS = List.of("pvvxsvc.exe", "rhsrvany.exe");
    private static final String INSTALL = "apt-get install libwin-hivex-perl";
    private static final Pattern CURRENT = Pattern.compile("(?m)^\"Current\"=dword:([0-9a-fA-F]{8})\\s*$");

    private WindowsFirstboot() {
    }

    /**
     * The service wrapper on this host: {@code RUNBOOK_FIRSTBOOT_SERVICE}, else pvvxsvc.exe or
     * rhsrvany.exe in /usr/share/virt-tools, where virt-v2v keeps them.
     */
    static Path wrapper() throws PrimitiveException {
        String set = System.getenv("RUNBOOK_FIRSTBOOT_SERVICE");
        if (set != null && !set.isBlank()) {
            Path p = Path.of(set);
            if (!Files.isRegularFile(p)) {
                throw CallSupport.fail("RUNBOOK_FIRSTBOOT_SERVICE names %s, which is not a file", p);
            }
            return p;
        }
        for (String name : WRAPPERS) {
            Path p = VIRT_TOOLS.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw CallSupport.fail("no service wrapper to start the Windows first-boot stage on this host: neither %s "
                + "exists; put rhsrvany.exe or pvvxsvc.exe there (virt-v2v's), or set RUNBOOK_FIRSTBOOT_SERVICE to one",
                WRAPPERS.stream().map(VIRT_TOOLS::resolve).toList());
    }

    /** The disk's SYSTEM hive as the disk spells its path; fails when there is none. */
    static String hive(GuestFs fs) throws PrimitiveException, InterruptedException {
        return fs.actualPath(HIVE).orElseThrow(() -> CallSupport.fail(
                "no registry hive at %s on the disk: it is not a Windows system disk", HIVE.replace('/', '\\')));
    }

    /**
     * Stages the wrapper and registers, in {@code hive} (see {@link #hive}), the service that runs
     * {@code script} (a guest path such as {@code C:/ProgramData/Runbook/firstboot.ps1}) at the next
     * start; returns what was registered.
     */
    static String register(GuestFs fs, String hive, Path wrapper, String script)
            throws PrimitiveException, InterruptedException {
        byte[] exe;
        try {
            exe = Files.readAllBytes(wrapper);
        } catch (IOException e) {
            throw CallSupport.fail("cannot read the service wrapper %s: %s", wrapper, e.getMessage());
        }
        String staged = STATE_DIR + wrapper.getFileName();
        fs.write(staged, exe, "0755");
        Path local = null;
        Path reg = null;
        try {
            local = Files.createTempFile("runbook-system", ".hive");
            reg = Files.createTempFile("runbook-firstboot", ".reg");
            fs.download(hive, local);
            int set = currentControlSet(local);
            Files.writeString(reg, registration(set, windows(staged), windows(script)), StandardCharsets.UTF_8);
            HostTool.check("hivexregedit", INSTALL, List.of("--merge", "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM",
                    local.toString(), reg.toString()));
            fs.upload(local, hive);
            return String.format("service %s (%s, ControlSet%03d) starts %s at boot", SERVICE, wrapper.getFileName(),
                    set, windows(script));
        } catch (IOException e) {
            throw CallSupport.fail("cannot edit a copy of the SYSTEM hive: %s", e.getMessage());
        } finally {
            delete(local);
            delete(reg);
        }
    }

    /** The number of the control set Windows starts with, from {@code Select\Current}. */
    static int currentControlSet(Path hive) throws PrimitiveException, InterruptedException {
        String select = HostTool.check("hivexregedit", INSTALL, List.of("--export", "--prefix",
                "HKEY_LOCAL_MACHINE\\SYSTEM", hive.toString(), "\\Select"));
        Matcher m = CURRENT.matcher(select);
        if (!m.find()) {
            throw CallSupport.fail("the SYSTEM hive has no Select\\Current value; it is not a Windows SYSTEM hive");
        }
        return Integer.parseInt(m.group(1), 16);
    }

    /** The service's keys in .reg form: an automatic own-process service of LocalSystem. */
    static String registration(int controlSet, String wrapper, String script) {
        String key = String.format("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet%03d\\Services\\%s", controlSet, SERVICE);
        String command = "powershell.exe -NoProfile -ExecutionPolicy Bypass -File \"" + script + "\"";
        String dir = script.substring(0, script.lastIndexOf('\\'));
        return "Windows Registry Editor Version 5.00\n\n"
                + "[" + key + "]\n"
                + "\"Type\"=dword:00000010\n"
                + "\"Start\"=dword:00000002\n"
                + "\"ErrorControl\"=dword:00000001\n"
                + "\"ImagePath\"=str(2):" + quoted(wrapper) + "\n"
                + "\"DisplayName\"=" + quoted("Runbook first-boot remediation") + "\n"
                + "\"ObjectName\"=" + quoted("LocalSystem") + "\n\n"
                + "[" + key + "\\Parameters]\n"
                + "\"CommandLine\"=" + quoted(command) + "\n"
                + "\"PWD\"=" + quoted(dir) + "\n";
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String windows(String guestPath) {
        return guestPath.replace('/', '\\');
    }

    private static void delete(Path p) {
        try {
            if (p != null) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary copy
        }
    }

    /** The first-boot script among the staged files: the one named firstboot.ps1. */
    static Optional<String> script(List<String> stagedPaths) {
        return stagedPaths.stream().map(p -> p.replace('\\', '/'))
                .filter(p -> p.toLowerCase().endsWith("/firstboot.ps1")).findFirst();
    }
}
