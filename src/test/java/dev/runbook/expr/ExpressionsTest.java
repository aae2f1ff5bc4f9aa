package dev.runbook.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The expression sandbox on its own: evaluation, interpolation, compile errors, limits and free names. */
class ExpressionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Expressions expressions;
    private static Map<String, JsonNode> roots;

    @BeforeAll
    static void openSandbox() throws Exception {
        expressions = new Expressions();
        roots = Map.of(
                "inputs", JSON.readTree("{\"vm\": \"web01\", \"validateTimeout\": \"5m\"}"),
                "vm", JSON.readTree("""
                        {"name": "web01", "hardwareProfile": "vmware-esxi", "firmware": "bios",
                         "os": {"family": "linux"}, "compute": {"vcpus": 2, "memoryMiB": 4096},
                         "replicas": ["/srv/recovery/web01-root.qcow2", "/srv/recovery/web01-data.qcow2"],
                         "nics": [{"mac": "52:54:00:10:00:01", "network": "prod-lan"}]}"""),
                "recoverySite", JSON.readTree("{\"name\": \"recovery\", \"hardwareProfile\": \"kvm-virtio\"}"),
                "protectedSite", JSON.readTree("{\"name\": \"protected\", \"hardwareProfile\": \"vmware-esxi\"}"),
                "networks", JSON.readTree("{\"prod-lan\": {\"production\": \"dr-prod-lan\", \"test\": \"dr-test\"}}"),
                "run", JSON.readTree("{\"id\": \"run-1\"}"),
                "steps", JSON.readTree("{\"rollback-snapshots\": {\"result\": {\"disks\": [\"a\", \"b\"]}}}"));
    }

    @AfterAll
    static void closeSandbox() {
        expressions.close();
    }

    private static JsonNode eval(String expression) throws Expressions.EvaluationException {
        return expressions.evaluate(expression, roots);
    }

    private static JsonNode render(String text) throws Expressions.EvaluationException {
        return Interpolation.render(text, ExpressionsTest::eval);
    }

    // Guards

    /**
     * The sites and network mappings are made afresh for each VM of a plan but alike: a copy equal to the last
     * one reuses its sandbox value, and a copy that differs is converted again.
     */
    @Test
    void rootsAlikePerVmAreConvertedAgainOnlyWhenTheyDiffer() throws Exception {
        String e = "Object.keys(networks).map(k => networks[k].test).join(',')";
        Map<String, JsonNode> first = Map.of("networks", JSON.readTree("{\"lan\": {\"test\": \"t1\"}}"));
        Map<String, JsonNode> alike = Map.of("networks", JSON.readTree("{\"lan\": {\"test\": \"t1\"}}"));
        Map<String, JsonNode> other = Map.of("networks", JSON.readTree("{\"lan\": {\"test\": \"t2\"}}"));
        assertEquals("t1", expressions.evaluate(e, first).asText());
        assertEquals("t1", expressions.evaluate(e, alike).asText());
        assertEquals("t2", expressions.evaluate(e, other).asText());
        assertEquals("t1", expressions.evaluate(e, first).asText());
    }

    @Test
    void decidesTypicalGuardsOverTheRoots() throws Exception {
        assertTrue(expressions.test("vm.os.family == 'linux' && vm.hardwareProfile != recoverySite.hardwareProfile",
                roots));
        assertTrue(expressions.test("vm.hardwareProfile == protectedSite.hardwareProfile", roots));
        assertFalse(expressions.test("vm.firmware == 'uefi'", roots));
        assertTrue(expressions.test("vm.nics.every(n => networks[n.network].test == 'dr-test')", roots));
        assertTrue(expressions.test("steps['rollback-snapshots'].result.disks.length == 2", roots));
        assertTrue(expressions.test("(inputs.validateTimeout || '10m') == '5m'", roots));
    }

    @Test
    void theDeprecatedRootsReadTheSameSitesAsTheirNamesOfNow() throws Exception {
        assertEquals("recovery", eval("site.name").asText());
        assertEquals("protected", eval("sourceSite.name").asText());
        assertTrue(expressions.test("site === recoverySite || JSON.stringify(site) == JSON.stringify(recoverySite)",
                roots));
        assertTrue(expressions.test("sourceSite.hardwareProfile == protectedSite.hardwareProfile", roots));
        assertEquals(Set.of(), Expressions.unknownNames("site.name + sourceSite.name"), "aliases are not unknown");
    }

    @Test
    void aConditionThatIsNotABooleanIsAnErrorNotFalse() {
        // A typo such as `vm.nam` must not silently skip a step.
        var e = assertThrows(Expressions.EvaluationException.class, () -> expressions.test("vm.name", roots));
        assertEquals("must be true or false but was \"web01\"", e.getMessage());
    }

    @Test
    void evaluatesToPlainJson() throws Exception {
        assertEquals(JSON.readTree("[\"dr-test\"]"), eval("vm.nics.map(n => networks[n.network].test)"));
        assertEquals(JSON.readTree("{\"mac\": \"52:54:00:10:00:01\", \"up\": true}"),
                eval("({mac: vm.nics[0].mac, up: true})"));
        assertEquals(8192, eval("vm.compute.memoryMiB * 2").intValue());
    }

    @Test
    void aMissingValueIsAnErrorThatSaysWhat() {
        var undefined = assertThrows(Expressions.EvaluationException.class, () -> eval("vm.rootDisk"));
        assertEquals("evaluated to undefined", undefined.getMessage());
        var deeper = assertThrows(Expressions.EvaluationException.class, () -> eval("vm.rootDisk.replica"));
        assertTrue(deeper.getMessage().contains("TypeError") && deeper.getMessage().contains("replica"),
                deeper.getMessage());
    }

    @Test
    void aRootThatIsNotGivenCannotBeRead() {
        // Planning passes no `run`: an expression that reads it must fail, not see stale values.
        assertThrows(Expressions.EvaluationException.class, () -> expressions.evaluate("run.id", Map.of()));
    }

    // Interpolation

    @Test
    void aStringThatIsExactlyOneExpressionKeepsItsType() throws Exception {
        assertTrue(render("${{ vm.compute.vcpus }}").isIntegralNumber());
        assertEquals(2, render("${{vm.compute.vcpus}}").intValue());
        assertTrue(render("${{ vm.replicas }}").isArray());
        assertTrue(render("${{ vm.firmware == 'uefi' }}").isBoolean());
        assertTrue(render("${{ vm.compute }}").isObject());
    }

    @Test
    void textAroundAnExpressionMakesTheResultText() throws Exception {
        assertEquals(" 2", render(" ${{ vm.compute.vcpus }}").textValue());
        assertEquals("vm-web01 has 2 vCPUs and [\"/srv/recovery/web01-root.qcow2\",\"/srv/recovery/web01-data.qcow2\"]",
                render("vm-${{ vm.name }} has ${{ vm.compute.vcpus }} vCPUs and ${{ vm.replicas }}").textValue());
    }

    @Test
    void textWithoutExpressionsIsLeftAsItIs() throws Exception {
        String text = "costs $ {{ 5 }} and ${ HOME }";
        assertFalse(Interpolation.parse(text).hasCode());
        assertEquals(text, render(text).textValue());
    }

    @Test
    void parsingKeepsTheOffsetOfEachExpression() {
        var parsed = Interpolation.parse("a ${{  b }} c");
        assertEquals(List.of(new Interpolation.Literal("a "), new Interpolation.Code("b", 7),
                new Interpolation.Literal(" c")), parsed.parts());
        assertEquals(Optional.empty(), parsed.single());
    }

    @Test
    void anUnclosedOrEmptyExpressionIsAnError() {
        var unclosed = Interpolation.parse("vm-${{ vm.name");
        assertEquals(Optional.of("'${{' is not closed by '}}'"), unclosed.error());
        assertEquals(3, unclosed.errorOffset());
        assertEquals(Optional.of("'${{ }}' holds no expression"), Interpolation.parse("x ${{   }}").error());
        var e = assertThrows(Expressions.EvaluationException.class, () -> render("vm-${{ vm.name"));
        assertEquals("'${{' is not closed by '}}'", e.getMessage());
    }

    // Compile errors

    @Test
    void aValidExpressionCompiles() {
        assertEquals(Optional.empty(), expressions.compile("vm.nics.map(n => ({mac: n.mac}))"));
    }

    @Test
    void aCompileErrorNamesTheTokenAndItsPlaceInTheExpression() {
        var error = expressions.compile("vm.name y").orElseThrow();
        assertTrue(error.message().endsWith("found y"), error.message());
        assertEquals(1, error.line());
        assertEquals(9, error.column());
    }

    @Test
    void aCompileErrorOnALaterLineIsPlacedOnThatLine() {
        var error = expressions.compile("vm.name\n  == == 1").orElseThrow();
        assertEquals(2, error.line());
        assertEquals(6, error.column());
        assertTrue(error.message().contains("=="), error.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"vm.name ==", "(", "'unterminated", "vm.a)"})
    void aCompileErrorDoesNotLeakTheWrapper(String expression) {
        // The expression is compiled inside a generated function; the user must only see their own text.
        var error = expressions.compile(expression).orElseThrow();
        assertFalse(error.message().isBlank());
        assertFalse(error.message().contains("expression.js"), error.message());
        assertFalse(error.message().contains("use strict"), error.message());
        assertEquals(1, error.line(), error.toString());
        assertTrue(error.column() >= 1 && error.column() <= expression.length() + 1, error.toString());
    }

    @Test
    void evaluatingWhatDoesNotCompileSaysSo() {
        var e = assertThrows(Expressions.EvaluationException.class, () -> eval("vm.name =="));
        assertTrue(e.getMessage().startsWith("does not compile: "), e.getMessage());
    }

    // Limits and host access

    // Without the limit the loop would hang the suite rather than fail it.
    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anEndlessLoopIsStoppedAndTheSandboxStaysUsable() throws Exception {
        var e = assertThrows(Expressions.EvaluationException.class, () -> eval("(() => { while (true) {} })()"));
        assertEquals("ran more than " + Expressions.STATEMENT_LIMIT + " statements and was stopped", e.getMessage());
        assertEquals("web01", eval("vm.name").textValue());
        assertEquals(1000, eval("(() => { let i = 0; while (i < 1000) { i++; } return i; })()").intValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Java.type('java.lang.System').exit(1)", "java.lang.System.getenv()",
            "Packages.java.io.File", "Polyglot.eval('js', '1')", "require('fs')", "process.env",
            "load('/etc/hostname')", "(() => 0).constructor('return load')()('/etc/passwd')"})
    void theHostAndItsFilesAreOutOfReach(String expression) {
        assertThrows(Expressions.EvaluationException.class, () -> eval(expression));
    }

    @Test
    void noHostObjectIsDefined() throws Exception {
        assertTrue(expressions.test("[typeof Java, typeof java, typeof Packages, typeof Polyglot, typeof process,"
                + " typeof require].every(t => t == 'undefined')", roots));
    }

    // Free names

    @Test
    void freeNamesAreTheRootsAnExpressionReads() {
        assertEquals(Set.of("vm", "networks"),
                FreeNames.of("vm.nics.map(n => ({mac: n.mac, network: networks[n.network].test}))"));
        assertEquals(Set.of("vm", "recoverySite"), FreeNames.of("vm.name == 'inputs' && \"run\" != recoverySite.name"));
        assertEquals(Set.of("vm"), FreeNames.of("Math.max(vm . compute.vcpus, parseInt('2'), JSON.parse('1'))"));
        assertEquals(Set.of(), FreeNames.of("((a, b) => a + b)(1, 2) > 0 && typeof undefined == 'undefined'"));
        assertEquals(Set.of("inputs"), FreeNames.of("inputs.timeout || 10"));
    }

    @Test
    void eachNameReadIsPlacedAtItsFirstReadNotInsideALongerName() {
        String e = "recoverySite.name == 'site' && site.name";
        assertEquals(java.util.Map.of("recoverySite", 0, "site", e.lastIndexOf("site.name")), Expressions.firstReads(e));
    }

    @Test
    void aConditionalIsNotMistakenForAnObjectKey() {
        assertEquals(Set.of("inputs", "vm", "recoverySite"), FreeNames.of("inputs.force ? vm : recoverySite"));
    }

    @Test
    void unknownNamesAreThoseOutsideTheScopeAndAllowedGlobals() {
        assertEquals(Set.of("inptus"), Expressions.unknownNames("inptus.vm == vm.name"));
        // Host and clock names are refused when validating, before anything runs.
        assertEquals(Set.of("Java"), Expressions.unknownNames("Java.type('java.lang.System')"));
        assertEquals(Set.of("Date"), Expressions.unknownNames("Date.now() > 0"));
        assertEquals(Set.of(), Expressions.unknownNames("steps.snap.result.ok && run.id != '' && result.ok"));
    }

    @Test
    void anExpressionIsDynamicWhenItReadsRunStepsOrResult() {
        assertTrue(Expressions.isDynamic("run.id"));
        assertTrue(Expressions.isDynamic("steps['rollback-snapshots'].result.disks"));
        assertTrue(Expressions.isDynamic("result.state == 'online'"));
        assertFalse(Expressions.isDynamic("vm.run || site.steps"));
        assertFalse(Expressions.isDynamic("vm.name == 'result'"));
    }

    // One evaluation cannot change what the next one sees, and every evaluation is deterministic

    @Test
    void aPollutedPrototypeDoesNotCarryOver() throws Exception {
        assertThrows(Expressions.EvaluationException.class,
                () -> eval("(Object.prototype.toJSON = () => 'polluted', true)"));
        assertEquals("{\"vcpus\":2,\"memoryMiB\":4096}", eval("vm.compute").toString());
    }

    @Test
    void anExpressionCannotChangeTheRootsTheNextOneReads() throws Exception {
        assertThrows(Expressions.EvaluationException.class, () -> eval("vm.replicas.reverse()"));
        assertThrows(Expressions.EvaluationException.class, () -> eval("(vm.name = 'x', true)"));
        assertEquals("/srv/recovery/web01-root.qcow2", eval("vm.replicas[0]").textValue());
        assertEquals("web01", eval("vm.name").textValue());
        assertEquals("[\"/srv/recovery/web01-data.qcow2\",\"/srv/recovery/web01-root.qcow2\"]",
                eval("[...vm.replicas].reverse()").toString(), "a copy may be changed");
    }

    @Test
    void aGlobalMadeByOneEvaluationIsGoneInTheNext() throws Exception {
        assertThrows(Expressions.EvaluationException.class, () -> eval("(globalThis.leak = 1, true)"));
        assertTrue(expressions.test("typeof leak == 'undefined'", roots));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Math.random()", "Date.now()", "new Date().getTime()",
            "(() => 0).constructor('return Date.now()')()", "(async () => 0).constructor('return 1')",
            "(function* () {}).constructor('yield 1')", "eval('1 + 1')", "Function('return 1')()"})
    void nothingNonDeterministicOrDynamicIsOffered(String expression) {
        assertThrows(Expressions.EvaluationException.class, () -> eval(expression));
    }

    @Test
    void globalsAnExpressionHasNoUseForAreGone() throws Exception {
        assertTrue(expressions.test("[typeof eval, typeof Function, typeof load, typeof loadWithNewGlobal, typeof print,"
                + " typeof printErr, typeof console, typeof Graal, typeof SharedArrayBuffer, typeof Atomics, typeof Date,"
                + " typeof WeakRef, typeof FinalizationRegistry, typeof quit, typeof Math.random]"
                + ".every(t => t == 'undefined')", roots));
        assertEquals(3, eval("Math.max(1, 3) + Number('0') + JSON.parse('0') + parseInt('0')").intValue());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRunawayRegexIsStoppedByTheClockAndNamedSo() throws Exception {
        var e = assertThrows(Expressions.EvaluationException.class,
                () -> eval("'a'.repeat(36).match(/^(a+)+\\1b$/)"));
        assertTrue(e.getMessage().contains("ran longer than"), e.getMessage());
        assertEquals("web01", eval("vm.name").textValue(), "the sandbox is usable afterwards");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHugeAllocationIsStoppedAndNamedSo() throws Exception {
        var e = assertThrows(Expressions.EvaluationException.class, () -> eval("new Array(2 ** 29).fill(1.5).length"));
        assertTrue(e.getMessage().contains("memory") || e.getMessage().contains("ran longer than"), e.getMessage());
        assertEquals("web01", eval("vm.name").textValue(), "the sandbox is usable afterwards");
    }

    @Test
    void namesInsideTemplateLiteralsAreSeen() {
        assertEquals(Set.of("inptus"), Expressions.unknownNames("`${inptus.vm}`"));
        assertEquals(Set.of("Date"), Expressions.unknownNames("`${Date.now()}`"));
        assertTrue(Expressions.isDynamic("`pre-${run.id}`"));
        assertEquals(Set.of("vm"), FreeNames.of("`${vm.name}-${`${'x'}`}` + 'run'"));
    }
}
