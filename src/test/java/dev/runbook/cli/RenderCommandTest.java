package dev.runbook.cli;

import dev.runbook.app.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runbook render} writes the plan's guest files for review; a value unfit for a script is located. */
class RenderCommandTest {

    private static final String RUNBOOK = "runbooks/test-failover.yaml";

    @Test
    void writesTheLinuxFilesWithTheirModesAndAManifest(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("web01");
        Cli cli = Cli.run("render", RUNBOOK, "-i", ShippedRunbooksTest.INVENTORY, "--vm", "web01", "-o", out.toString());
        assertEquals(0, cli.code(), cli.err());
        Path script = out.resolve("stage-linux-remediation/usr/local/sbin/runbook-firstboot");
        assertTrue(Files.readString(script).startsWith("#!/bin/bash\n"));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));
        Path unit = out.resolve("stage-linux-remediation/etc/systemd/system/runbook-firstboot.service");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit)));
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        assertEquals(2, manifest.get("files").size());
        assertEquals("linux/firstboot.sh.ftl", manifest.at("/files/0/template").asText());
        assertTrue(cli.out().contains("stage-linux-remediation/usr/local/sbin/runbook-firstboot"), cli.out());

        // The same bytes as the plan shows and a run stages.
        Cli plan = Cli.run("plan", RUNBOOK, "-i", ShippedRunbooksTest.INVENTORY, "--vm", "web01", "-f", "json");
        JsonNode steps = new ObjectMapper().readTree(plan.out()).get("steps");
        for (JsonNode s : steps) {
            if (s.get("id").asText().equals("stage-linux-remediation")) {
                assertEquals(s.at("/scripts/0/content").asText(), Files.readString(script));
                assertEquals(s.at("/scripts/0/sha256").asText(), manifest.at("/files/0/sha256").asText());
            }
        }
    }

    @Test
    void writesTheWindowsStagesWithoutTheDriveLetter(@TempDir Path dir) throws Exception {
        Cli cli = Cli.run("render", RUNBOOK, "-i", ShippedRunbooksTest.INVENTORY, "--vm", "win03", "-o", dir.toString());
        assertEquals(0, cli.code(), cli.err());
        assertTrue(Files.readString(dir.resolve("stage-windows-remediation/ProgramData/Runbook/postreboot.ps1"))
                .contains("$address = '192.168.50.13'"));
        assertTrue(Files.exists(dir.resolve("stage-windows-remediation/ProgramData/Runbook/firstboot.ps1")));
    }

    @Test
    void saysSoWhenEveryStagingStepIsSkipped(@TempDir Path dir) {
        Cli cli = Cli.run("render", RUNBOOK, "-i", ShippedRunbooksTest.INVENTORY, "--vm", "app02", "-o", dir.toString());
        assertEquals(0, cli.code(), cli.err());
        assertTrue(cli.out().contains("no guest files"), cli.out());
    }

    @Test
    void refusesAFolderThatIsNotEmpty(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("keep.txt"), "mine");
        Cli cli = Cli.run("render", RUNBOOK, "-i", ShippedRunbooksTest.INVENTORY, "--vm", "web01", "-o", dir.toString());
        assertEquals(ExitCodes.INVALID, cli.code());
        assertTrue(cli.err().contains("not an empty folder"), cli.err());
        assertEquals("mine", Files.readString(dir.resolve("keep.txt")));
    }

    @Test
    void aValueUnfitForAGuestScriptIsLocatedInTheInventory(@TempDir Path dir) throws Exception {
        // "ens 160" passes the inventory schema (Windows adapter names have spaces) but is no Linux name.
        String text = Files.readString(Path.of(ShippedRunbooksTest.INVENTORY));
        int line = (int) text.substring(0, text.indexOf("- name: ens160")).chars().filter(c -> c == '\n').count() + 1;
        Path inventory = dir.resolve("inventory.yaml");
        Files.writeString(inventory, text.replace("- name: ens160", "- name: ens 160"));
        Path out = dir.resolve("out");
        Cli cli = Cli.run("render", RUNBOOK, "-i", inventory.toString(), "--vm", "web01", "-o", out.toString());
        assertEquals(ExitCodes.INVALID, cli.code(), cli.out());
        assertTrue(cli.err().contains("inventory.yaml:" + line + ":"), cli.err());
        assertTrue(cli.err().contains("'ens 160' cannot be written into a guest script"), cli.err());
        assertTrue(Files.notExists(out.resolve("stage-linux-remediation")), "nothing is written");
    }
}
