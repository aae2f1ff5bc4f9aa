package dev.runbook.primitive.libvirt;

/** How a program of this host ended (qemu-img, guestfish, hivexregedit): its exit status and what it printed. */
record ProgramOutput(int exit, String out, String err) {

    /** The last line it printed on its error stream, else on its output: what a failure message quotes. */
    String lastLine() {
        String text = err.isBlank() ? out : err;
        return text.strip().lines().reduce((a, b) -> b).orElse("no message");
    }
}
