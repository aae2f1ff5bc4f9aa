package dev.runbook.check;

import dev.runbook.expr.Expressions;
import dev.runbook.expr.Scope;
import dev.runbook.model.Inventory;
import dev.runbook.model.SourceSpan;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Earlier spellings still work, and say so where they are written: an inventory VM's {@code sourceSite} is
 * its {@code protectedSite}; in expressions, {@code site} is {@code recoverySite} and {@code sourceSite} is
 * {@code protectedSite}. Each is a warning: nothing changes in what is planned. One spelling no longer
 * reads anything, and is an error: {@code vm.sourceSite}, since the VM entry names its protected site
 * {@code protectedSite} whichever spelling the inventory has.
 */
final class DeprecatedNames implements Rule, InventoryChecker.InventoryRule {

    static final DeprecatedNames RULE = new DeprecatedNames();

    static final String SOURCE_SITE = "sourceSite";

    /** {@code vm.sourceSite} or {@code vm?.sourceSite}, read in code (not in a string literal). */
    private static final Pattern VM_SOURCE_SITE = Pattern.compile("(?<![\\w$.])vm\\s*\\??\\.\\s*sourceSite(?![\\w$])");

    private DeprecatedNames() {
    }

    @Override
    public String id() {
        return "deprecated-name";
    }

    @Override
    public String summary() {
        return "Deprecated names still work, with a warning: write protectedSite for sourceSite, recoverySite for site.";
    }

    @Override
    public void check(Context ctx) {
        for (Context.Found f : ctx.expressions()) {
            for (Map.Entry<String, Integer> read : Expressions.firstReads(f.expression()).entrySet()) {
                String now = Scope.DEPRECATED.get(read.getKey());
                if (now != null) {
                    ctx.warning(at(ctx, f, read.getValue()), "'" + read.getKey() + "' is deprecated; write '" + now
                            + "'");
                }
            }
            Matcher vm = VM_SOURCE_SITE.matcher(Expressions.withoutStrings(f.expression()));
            if (vm.find()) {
                ctx.error(at(ctx, f, vm.start()), "'" + vm.group() + "' reads nothing: the VM entry names its protected"
                        + " site 'protectedSite', whichever spelling the inventory has; write 'vm.protectedSite'");
            }
        }
    }

    private static SourceSpan at(Context ctx, Context.Found f, int offset) {
        String before = f.expression().substring(0, offset);
        int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
        int column = offset - before.lastIndexOf('\n');
        return ctx.locate(f, line, column);
    }

    @Override
    public void check(Inventory inventory, InventoryChecker.Report report) {
        for (Inventory.Vm vm : inventory.vms()) {
            if (InventoryChecker.protectedSiteKey(inventory, vm).equals(SOURCE_SITE)) {
                report.warningAtKey(vm.pointer() + "/" + SOURCE_SITE, "'" + SOURCE_SITE + "' is deprecated; write "
                        + "'protectedSite'");
            }
        }
    }
}
