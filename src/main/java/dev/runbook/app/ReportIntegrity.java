package dev.runbook.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.exec.Entry;
import dev.runbook.exec.RunRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SHA-256 a run report carries over the journal records it was made from, and the line that states it
 * in every format, so that a report, or the journal it came from, edited afterwards is told apart.
 */
public final class ReportIntegrity {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** How the hashed text is made, stated in every report so that anyone can recompute it. */
    public static final String CANONICAL_FORM = "UTF-8 text, one line per record, each line ending in a newline:"
            + " first the admission record of every run the report names (the run, the run it continues, the runs"
            + " continuing it, the recovery plan run it is part of or the VM runs of it), ordered by run id, as the"
            + " JSON array [\"run\", id, parent, runbook, runbookVersion, runbookSha256, runbookFile, git, inventory,"
            + " inventorySha256, inventoryFile, planHash, plan, vm, operation, startedAt, startedBy, planRun]; then"
            + " every journal entry of the run and of the runs continuing it or recovering a VM of it,"
            + " up to the entry the report was made through, ordered by seq, as the JSON array [seq, runId, kind,"
            + " step, state, data, at], data being the entry's JSON with object keys sorted; compact JSON throughout";

    /** The line every printed report carries, and {@code --verify} looks for. */
    private static final Pattern LINE = Pattern.compile(
            "runbook-report v1 run=([^\\s`<]+) format=(md|html|json) through=(\\d{1,18}) sha256=([0-9a-f]{64})(?![0-9a-zA-Z])");

    private ReportIntegrity() {
    }

    /** What a saved report says it was made from. */
    public record Claim(String run, RunReport.Format format, long through, String sha256) {
    }

    /** The line that states a report's integrity in a printed format. */
    public static String line(String run, RunReport.Format format, long through, String sha256) {
        return "runbook-report v1 run=" + run + " format=" + format.id() + " through=" + through + " sha256=" + sha256;
    }

    /**
     * What a saved report claims: from its {@code integrity} object when it is JSON, else from the last
     * integrity line in it (a value quoted earlier in the report cannot stand in for the report's own).
     */
    public static Optional<Claim> find(String text) {
        if (text.stripLeading().startsWith("{")) {
            try {
                JsonNode i = MAPPER.readTree(text).path("integrity");
                if (i.path("sha256").isTextual() && i.path("throughSeq").canConvertToLong() && i.path("run").isTextual()
                        && i.path("sha256").asText().matches("[0-9a-f]{64}")) {
                    return Optional.of(new Claim(i.get("run").asText(), RunReport.Format.JSON,
                            i.get("throughSeq").asLong(), i.get("sha256").asText()));
                }
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }
        Matcher m = LINE.matcher(text);
        Claim last = null;
        while (m.find()) {
            last = new Claim(m.group(1), RunReport.Format.byId(m.group(2)).orElseThrow(), Long.parseLong(m.group(3)),
                    m.group(4));
        }
        return Optional.ofNullable(last);
    }

    /** The SHA-256 of the canonical form of these records, in hex. */
    static String sha256(List<RunRecord> named, List<Entry> entries) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(canonical(named, entries).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The text that is hashed; see {@link #CANONICAL_FORM}. */
    static String canonical(List<RunRecord> named, List<Entry> entries) {
        StringBuilder out = new StringBuilder();
        named.stream().sorted(Comparator.comparing(RunRecord::id)).forEach(r -> {
            ArrayNode a = JSON.arrayNode().add("run");
            for (String v : new String[] {r.id(), r.parent(), r.runbook(), r.runbookVersion(), r.runbookSha256(),
                    r.runbookFile(), r.git(), r.inventory(), r.inventorySha256(), r.inventoryFile(), r.planHash(), r.plan(),
                    r.vm(), r.operation(), r.startedAt().toString(), r.startedBy(), r.planRun()}) {
                a.add(v);
            }
            out.append(a).append('\n');
        });
        entries.stream().sorted(Comparator.comparingLong(Entry::seq)).forEach(e -> out.append(JSON.arrayNode()
                .add(e.seq()).add(e.runId()).add(e.kind().id()).add(e.step()).add(e.state())
                .add(e.data() == null ? JSON.nullNode() : sorted(e.data())).add(e.at().toString())).append('\n'));
        return out.toString();
    }

    /** A copy whose objects list their keys in order, at every depth. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> keys = new TreeMap<>();
            node.properties().forEach(p -> keys.put(p.getKey(), sorted(p.getValue())));
            ObjectNode o = JSON.objectNode();
            keys.forEach(o::set);
            return o;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(n -> items.add(sorted(n)));
            return JSON.arrayNode().addAll(items);
        }
        return node;
    }
}
