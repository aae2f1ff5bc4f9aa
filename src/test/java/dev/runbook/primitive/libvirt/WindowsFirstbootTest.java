package dev.runbook.primitive.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runbook.demo.DemoFixture;
import dev.runbook.primitive.PrimitiveException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The Windows first boot is registered to run at boot: on the demo's NTFS system disk holding a SYSTEM
 * hive (made empty, then given a Select key and a control set), staging puts the service wrapper next
 * to the scripts and an automatic service in the current control set, read back from the disk.
 */
@Tag("guestfs")
class WindowsFirstbootTest {

    private static final String PREFIX = "HKEY_LOCAL_MACHINE\\SYSTEM";
    private static final String SCRIPT = "C:/ProgramData/Runbook/firstboot.ps1";

    private static boolean tools() {
        return GuestFsTest.guestfish() && Files.isExecutable(Path.of("/usr/bin/hivexregedit"));
    }

    @Test
    void theServiceLandsInTheCurrentControlSetAndStartsTheFirstBootScript(@TempDir Path dir) throws Exception {
        assumeTrue(tools(), "SKIPPED LOUDLY: libguestfs-tools or libwin-hivex-perl is not installed; bin/test installs them");
        DemoFixture site = new DemoFixture(dir);
        Path disk = site.replica("win03", "system");
        Path hive = dir.resolve("SYSTEM");
        Files.write(hive, EmptyHive.bytes());
        // Windows starts with ControlSet002 here: the service must go there, not to ControlSet001.
        merge(hive, dir, "[" + PREFIX + "\\Select]\n\"Current\"=dword:00000002\n\n[" + PREFIX + "\\ControlSet001]\n\n["
                + PREFIX + "\\ControlSet001\\Services]\n\n[" + PREFIX + "\\ControlSet002]\n\n[" + PREFIX
                + "\\ControlSet002\\Services]\n");
        Path wrapper = dir.resolve("rhsrvany.exe");
        Files.writeString(wrapper, "MZ stand-in for the service wrapper");

        String registered;
        try (GuestFs fs = GuestFs.open(disk, true)) {
            PrimitiveException none = assertThrows(PrimitiveException.class, () -> WindowsFirstboot.hive(fs));
            assertTrue(none.getMessage().contains("not a Windows system disk"), none.getMessage());
            // Found whatever its case: Windows does not care, NTFS keeps the spelling.
            fs.write("C:/Windows/system32/CONFIG/SYSTEM", Files.readAllBytes(hive), "0644");
            String found = WindowsFirstboot.hive(fs);
            assertEquals("/Windows/system32/CONFIG/SYSTEM", found);
            registered = WindowsFirstboot.register(fs, found, wrapper, SCRIPT);
        }
        assertEquals("service RunbookFirstboot (rhsrvany.exe, ControlSet002) starts "
                + "C:\\ProgramData\\Runbook\\firstboot.ps1 at boot", registered);

        Path back = dir.resolve("SYSTEM.back");
        try (GuestFs fs = GuestFs.open(disk, false)) {
            assertEquals("MZ stand-in for the service wrapper", fs.read("C:/ProgramData/Runbook/rhsrvany.exe").orElseThrow());
            fs.download("C:/Windows/system32/CONFIG/SYSTEM", back);
        }
        String service = export(back, "\\ControlSet002\\Services\\RunbookFirstboot");
        assertTrue(service.contains("\"Type\"=dword:00000010"), service);
        assertTrue(service.contains("\"Start\"=dword:00000002"), "automatic start:\n" + service);
        assertEquals("C:\\ProgramData\\Runbook\\rhsrvany.exe", string(service, "ImagePath", 2));
        assertEquals("LocalSystem", string(service, "ObjectName", 1));
        String parameters = export(back, "\\ControlSet002\\Services\\RunbookFirstboot\\Parameters");
        assertEquals("powershell.exe -NoProfile -ExecutionPolicy Bypass -File \"C:\\ProgramData\\Runbook\\firstboot.ps1\"",
                string(parameters, "CommandLine", 1));
        assertEquals("C:\\ProgramData\\Runbook", string(parameters, "PWD", 1));
        String other = export(back, "\\ControlSet001\\Services");
        assertTrue(!other.contains("RunbookFirstboot"), "registered in a control set Windows does not start with");
    }

    @Test
    void registrationQuotesPathsForTheRegFile() {
        String reg = WindowsFirstboot.registration(1, "C:\\Program Files\\Runbook\\rhsrvany.exe", "C:\\a \"b\"\\f.ps1");
        assertTrue(reg.contains("\"ImagePath\"=str(2):\"C:\\\\Program Files\\\\Runbook\\\\rhsrvany.exe\"\n"), reg);
        assertTrue(reg.contains("\"CommandLine\"=\"powershell.exe -NoProfile -ExecutionPolicy Bypass -File "
                + "\\\"C:\\\\a \\\"b\\\"\\\\f.ps1\\\"\"\n"), reg);
        assertTrue(reg.contains("[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\RunbookFirstboot\\Parameters]"), reg);
    }

    private static void merge(Path hive, Path dir, String keys) throws Exception {
        Path reg = dir.resolve("keys.reg");
        Files.writeString(reg, "Windows Registry Editor Version 5.00\n\n" + keys);
        HostTool.check("hivexregedit", "apt-get install libwin-hivex-perl",
                List.of("--merge", "--prefix", PREFIX, hive.toString(), reg.toString()));
    }

    private static String export(Path hive, String key) throws Exception {
        return HostTool.check("hivexregedit", "apt-get install libwin-hivex-perl",
                List.of("--export", "--prefix", PREFIX, hive.toString(), key));
    }

    /** A REG_SZ (1) or REG_EXPAND_SZ (2) value of an export: UTF-16LE bytes, NUL-terminated. */
    private static String string(String export, String name, int type) {
        Matcher m = Pattern.compile("\"" + name + "\"=hex\\(" + type + "\\):([0-9a-f,\\\\\\s]*)").matcher(export);
        assertTrue(m.find(), name + " of type " + type + " missing:\n" + export);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String b : m.group(1).replaceAll("[\\\\\\s]", "").split(",")) {
            bytes.write(Integer.parseInt(b, 16));
        }
        String s = bytes.toString(StandardCharsets.UTF_16LE);
        return s.endsWith("\0") ? s.substring(0, s.length() - 1) : s;
    }
}
