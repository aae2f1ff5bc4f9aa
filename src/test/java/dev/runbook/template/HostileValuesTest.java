package dev.runbook.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Tag;

/**
 * A hostile value cannot change what a guest script does. First, the model refuses it with the field
 * that holds it. Second, were one to get past the model, every template still writes it only as a
 * quoted literal: rendering with the hostile value and with a harmless one gives the same script once
 * each value's quoted form is blanked out, or the rendering is refused outright (control characters,
 * INI files).
 */
@Tag("property")
class HostileValuesTest {

    static final List<String> HOSTILE = List.of(
            "$(reboot)",
            "'; Remove-Item -Recurse C:\\ #",
            "`reboot`",
            "x\" && reboot && \"",
            "a\nreboot",
            "a\r\nRemove-Item -Recurse C:\\",
            "\u2019; Remove-Item -Recurse C:\\ #",
            "RUNBOOK_EOF");

    /** Inventory fields that reach a template, as pointers under the VM entry. */
    static final List<String> FIELDS = List.of("/name", "/hostname", "/os/flavour", "/nics/0/name", "/nics/0/mac",
            "/nics/0/ipv4/address", "/nics/0/ipv4/gateway", "/nics/0/ipv4/dns/0", "/nics/0/ipv4/searchDomains/0");

    @TestFactory
    Stream<DynamicTest> theModelRefusesEveryHostileValueNamingItsField() {
        JsonNode vm = GuestCases.all().get("linux-netplan");
        List<DynamicTest> tests = new ArrayList<>();
        for (String field : FIELDS) {
            // RUNBOOK_EOF is a valid name; it is here for the here-document check below.
            for (String bad : HOSTILE.stream().filter(h -> !h.equals("RUNBOOK_EOF")).toList()) {
                tests.add(DynamicTest.dynamicTest(field + " = " + bad.replace("\n", "\\n").replace("\r", "\\r"), () -> {
                    JsonNode hostile = with(vm, field, bad);
                    GuestModel.Invalid e = assertThrows(GuestModel.Invalid.class, () -> GuestModel.of(hostile));
                    assertEquals(field, e.pointer());
                    assertTrue(e.getMessage().contains("cannot be written into a guest script"), e.getMessage());
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void aPrefixThatIsNotAWholeNumberIsRefused() {
        JsonNode vm = GuestCases.all().get("linux-netplan");
        ObjectNode bad = vm.deepCopy();
        ((ObjectNode) bad.at("/nics/0/ipv4")).put("prefix", "24; reboot");
        GuestModel.Invalid e = assertThrows(GuestModel.Invalid.class, () -> GuestModel.of(bad));
        assertEquals("/nics/0/ipv4/prefix", e.pointer());
    }

    @TestFactory
    Stream<DynamicTest> aHostileValuePastTheModelStaysInsideItsQuotes() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (var c : GuestCases.all().entrySet()) {
            Map<String, Object> model = GuestModel.of(c.getValue());
            for (String file : GuestCases.files(c.getValue())) {
                for (List<Object> path : leaves(model, new ArrayList<>())) {
                    for (String bad : HOSTILE) {
                        String label = c.getKey() + " " + file + " " + path + " = "
                                + bad.replace("\n", "\\n").replace("\r", "\\r");
                        tests.add(DynamicTest.dynamicTest(label, () -> checkQuoted(file, model, path, bad)));
                    }
                }
            }
        }
        return tests.stream();
    }

    private static void checkQuoted(String file, Map<String, Object> model, List<Object> path, String bad)
            throws Exception {
        Templates templates = new Templates(GuestCases.TEMPLATES);
        String benign = "b3n1gn";
        String good = templates.render(file, Map.of("guest", replaced(model, path, benign)));
        String evil;
        try {
            evil = templates.render(file, Map.of("guest", replaced(model, path, bad)));
        } catch (Templates.RenderException refused) {
            // Refusing to render is safe; it must be the quoting that refused, not an accident.
            assertTrue(refused.getMessage().contains("value refused"), refused.getMessage());
            return;
        }
        if (bad.chars().anyMatch(Character::isISOControl)) {
            // Quoting refuses control characters, so a rendering that went through did not write the value.
            assertEquals(good, evil, "a value with a control character reached the script");
        } else if (blank(good, bad).equals(good)) {
            assertEquals(blank(good, benign), blank(evil, bad),
                    "the hostile value changed the script outside its quoted slot");
        } else {
            // The script's own text holds the value's quoted form (a here-document's delimiter): the
            // value must not add a line that ends the here-document early.
            assertEquals(good.lines().filter(bad::equals).count(), evil.lines().filter(bad::equals).count(),
                    "the hostile value ends a here-document early");
        }
        if (file.endsWith(".sh.ftl")) {
            GuestTemplatesTest.Result r = GuestTemplatesTest.run(List.of("bash", "-n", "-c", evil));
            assertEquals(0, r.code(), "bash cannot parse the script any more: " + r.out());
        }
    }

    /** The text with every quoted form of {@code value} (in any of the languages) replaced by a marker. */
    private static String blank(String text, String value) {
        for (Quoting q : List.of(Quoting.SHELL, Quoting.POWERSHELL, Quoting.YAML)) {
            text = text.replace(q.quote(value), "<VALUE>");
        }
        return text;
    }

    @Test
    void shellQuotingRoundTripsThroughBash() throws Exception {
        for (String bad : HOSTILE) {
            if (bad.chars().anyMatch(Character::isISOControl)) {
                assertThrows(IllegalArgumentException.class, () -> Quoting.SHELL.quote(bad));
                continue;
            }
            GuestTemplatesTest.Result r = GuestTemplatesTest.run(List.of("bash", "-c", "printf %s " + Quoting.SHELL.quote(bad)));
            assertEquals(bad, r.out(), "bash read the quoted word back differently");
        }
    }

    @Test
    void powerShellQuotingDoublesEveryQuoteCharacter() {
        String quoted = Quoting.POWERSHELL.quote("'; Remove-Item \u2018x\u2019 \u201A\u201B");
        assertEquals("'''; Remove-Item \u2018\u2018x\u2019\u2019 \u201A\u201A\u201B\u201B'", quoted);
        // Inside the outer quotes, every quote character comes in pairs: none can end the string.
        String inner = quoted.substring(1, quoted.length() - 1);
        for (char q : new char[] {'\'', '\u2018', '\u2019', '\u201A', '\u201B'}) {
            assertTrue(inner.replace(String.valueOf(q).repeat(2), "").indexOf(q) < 0, "a lone " + q);
        }
    }

    @Test
    void iniValuesAcceptOnlyPlainTokens() {
        assertEquals("10.0.0.1/24", Quoting.INI.quote("10.0.0.1/24"));
        for (String bad : List.of("a b", "x;y", "$(reboot)", "a\nb", "a=b", "[x]", "é")) {
            assertThrows(IllegalArgumentException.class, () -> Quoting.INI.quote(bad), bad);
        }
    }

    static JsonNode with(JsonNode vm, String pointer, String value) {
        ObjectNode copy = vm.deepCopy();
        int cut = pointer.lastIndexOf('/');
        JsonNode parent = copy.at(pointer.substring(0, cut));
        String last = pointer.substring(cut + 1);
        if (parent instanceof ObjectNode o) {
            o.set(last, TextNode.valueOf(value));
        } else {
            ((com.fasterxml.jackson.databind.node.ArrayNode) parent).set(Integer.parseInt(last), TextNode.valueOf(value));
        }
        return copy;
    }

    /** Paths to every string leaf of the model, except the fixed mode and stack names it branches on. */
    @SuppressWarnings("unchecked")
    static List<List<Object>> leaves(Object node, List<Object> at) {
        List<List<Object>> out = new ArrayList<>();
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (!List.of("family", "mode", "networkStack").contains(k)) {
                    List<Object> next = new ArrayList<>(at);
                    next.add(k);
                    out.addAll(leaves(v, next));
                }
            });
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                List<Object> next = new ArrayList<>(at);
                next.add(i);
                out.addAll(leaves(l.get(i), next));
            }
        } else if (node instanceof String s && !s.isEmpty()) {
            out.add(at);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Object replaced(Object node, List<Object> path, String value) {
        if (path.isEmpty()) {
            return value;
        }
        Object head = path.get(0);
        List<Object> rest = path.subList(1, path.size());
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) m);
            copy.put((String) head, replaced(m.get(head), rest, value));
            return copy;
        }
        List<Object> copy = new ArrayList<>((List<Object>) node);
        copy.set((Integer) head, replaced(copy.get((Integer) head), rest, value));
        return copy;
    }

}
