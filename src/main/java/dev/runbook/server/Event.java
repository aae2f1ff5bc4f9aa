package dev.runbook.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;

/** A journal entry as an event, serialized once for every subscriber. */
final class Event {

    private static final ObjectMapper JSON = new ObjectMapper();

    final long seq;
    final String run;
    final String kind;
    final String id;
    final String data;

    Event(Entry e) {
        this.seq = e.seq();
        this.run = e.runId();
        this.kind = e.kind().id();
        this.id = Long.toString(e.seq());
        this.data = json(e).toString();
    }

    /** The entry as the API and the event stream show it. */
    static ObjectNode json(Entry e) {
        ObjectNode o = JSON.createObjectNode().put("seq", e.seq()).put("run", e.runId()).put("kind", e.kind().id());
        if (e.step() != null) {
            o.put("step", e.step());
        }
        o.put("state", e.state()).put("at", e.at().toString());
        if (e.data() != null) {
            o.set("data", e.data());
        }
        return o;
    }
}
