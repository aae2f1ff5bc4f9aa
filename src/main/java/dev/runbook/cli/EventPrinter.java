package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/** Prints journal entries as they become durable: one line each, or one JSON object per line. */
final class EventPrinter implements Consumer<Entry> {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final PrintWriter out;
    private final boolean json;

    EventPrinter(PrintWriter out, boolean json) {
        this.out = out;
        this.json = json;
    }

    @Override
    public synchronized void accept(Entry e) {
        out.println(json ? json(e) : Printable.text(line(e)));
        out.flush();
    }

    static String json(Entry e) {
        ObjectNode o = MAPPER.createObjectNode().put("seq", e.seq()).put("run", e.runId()).put("at", e.at().toString())
                .put("kind", e.kind().id());
        if (e.step() != null) {
            o.put(e.kind() == Entry.Kind.LIFECYCLE ? "vm" : "id", e.step());
        }
        o.put("state", e.state());
        if (e.data() != null) {
            o.set("data", e.data());
        }
        return o.toString();
    }

    static String line(Entry e) {
        String time = TIME.format(e.at());
        var d = e.data();
        String detail = d == null ? "" : d.has("error") ? "  " + d.get("error").asText()
                : d.has("reason") ? "  " + d.get("reason").asText()
                : d.has("attempt") && d.get("attempt").asInt() > 1 ? "  attempt " + d.get("attempt").asInt() : "";
        return switch (e.kind()) {
            case RUN -> time + "  run " + e.runId() + " " + e.state();
            case PRECHECK -> time + "  precheck " + pad(e.step()) + e.state() + detail;
            case STEP -> time + "  step     " + pad(e.step()) + e.state() + detail;
            case COMPENSATION -> time + "  undo     " + pad(e.step()) + e.state()
                    + (e.state().equals("registered") ? "" : detail);
            case DECISION -> time + "  decision " + pad(e.step()) + e.state() + "  by " + d.path("decidedBy").asText()
                    + ": " + d.path("reason").asText();
            case LIFECYCLE -> time + "  " + e.step() + " is now " + e.state();
            case LOCKS -> time + "  locks of run " + e.runId() + " " + e.state()
                    + (d != null && d.has("to") ? " to run " + d.get("to").asText() : "");
            case NOTE -> d != null && d.has("vm") && e.state().startsWith("vm-")
                    ? time + "  vm       " + pad(d.get("vm").asText()) + d.path("state").asText() + "  "
                            + d.path("reason").asText()
                    : time + "  note     " + (d == null ? "" : d.path("message").asText(d.path("reason").asText()));
        };
    }

    private static String pad(String s) {
        return String.format("%-26s ", s);
    }
}
