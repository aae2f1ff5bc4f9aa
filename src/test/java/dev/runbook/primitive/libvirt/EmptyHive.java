package dev.runbook.primitive.libvirt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An empty Windows registry hive: a base block and one hive bin holding the root key, its security
 * record and free space, which {@code hivexregedit --merge} then fills: a stand-in for a Windows
 * SYSTEM hive, which cannot be shipped, in the first-boot registration tests.
 */
public final class EmptyHive {

    private static final int BLOCK = 0x1000;
    private static final int ROOT = 0x20; // cells are addressed from the first hive bin
    private static final String ROOT_NAME = "ROOT";

    private EmptyHive() {
    }

    public static byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(2 * BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        // base block
        b.put(0, "regf".getBytes(StandardCharsets.US_ASCII));
        b.putInt(4, 1).putInt(8, 1); // primary and secondary sequence numbers: equal, so not dirty
        b.putInt(20, 1).putInt(24, 3); // format 1.3
        b.putInt(28, 0).putInt(32, 1); // primary file, direct memory load
        b.putInt(36, ROOT).putInt(40, BLOCK).putInt(44, 1);
        int sum = 0;
        for (int i = 0; i < 508; i += 4) {
            sum ^= b.getInt(i);
        }
        b.putInt(508, sum == -1 ? -2 : sum == 0 ? 1 : sum);
        // hive bin
        b.put(BLOCK, "hbin".getBytes(StandardCharsets.US_ASCII));
        b.putInt(BLOCK + 4, 0).putInt(BLOCK + 8, BLOCK);
        int nk = BLOCK + ROOT;
        int nkSize = align(80 + ROOT_NAME.length());
        int sk = nk + nkSize;
        int skSize = align(24 + 20);
        b.putInt(nk, -nkSize);
        b.put(nk + 4, "nk".getBytes(StandardCharsets.US_ASCII));
        b.putShort(nk + 6, (short) 0x2c); // hive entry, no delete, ASCII name
        b.putInt(nk + 20, 0); // parent: none
        b.putInt(nk + 32, -1).putInt(nk + 36, -1); // no subkey lists
        b.putInt(nk + 44, -1); // no value list
        b.putInt(nk + 48, sk - BLOCK);
        b.putInt(nk + 52, -1); // no class name
        b.putShort(nk + 76, (short) ROOT_NAME.length());
        b.put(nk + 80, ROOT_NAME.getBytes(StandardCharsets.US_ASCII));
        b.putInt(sk, -skSize);
        b.put(sk + 4, "sk".getBytes(StandardCharsets.US_ASCII));
        b.putInt(sk + 8, sk - BLOCK).putInt(sk + 12, sk - BLOCK); // the only one: its own neighbours
        b.putInt(sk + 16, 1).putInt(sk + 20, 20);
        // self-relative security descriptor with a present, null DACL: no restriction
        b.put(sk + 24, (byte) 1).putShort(sk + 26, (short) 0x8004);
        int free = sk + skSize;
        b.putInt(free, 2 * BLOCK - free);
        return b.array();
    }

    /**
     * Writes to {@code file} a SYSTEM hive whose {@code Select\Current} is {@code current}, with that
     * control set and its (empty) Services key: what the first-boot registration needs of one.
     */
    public static Path system(Path file, int current) throws Exception {
        Files.write(file, bytes());
        String prefix = "HKEY_LOCAL_MACHINE\\SYSTEM";
        String set = String.format("%s\\ControlSet%03d", prefix, current);
        Path reg = file.resolveSibling(file.getFileName() + ".reg");
        Files.writeString(reg, "Windows Registry Editor Version 5.00\n\n[" + prefix + "\\Select]\n\"Current\"=dword:"
                + String.format("%08x", current) + "\n\n[" + set + "]\n\n[" + set + "\\Services]\n");
        HostTool.check("hivexregedit", "apt-get install libwin-hivex-perl",
                List.of("--merge", "--prefix", prefix, file.toString(), reg.toString()));
        Files.delete(reg);
        return file;
    }

    private static int align(int size) {
        return (size + 7) & ~7;
    }
}
