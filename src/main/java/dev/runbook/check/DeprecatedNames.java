package dev.runbook.check;

import dev.runbook.model.Inventory;

/**
 * Earlier spellings still work, and say so where they are written: an inventory VM's {@code sourceSite} is
 * its {@code protectedSite}. Only a warning: nothing changes in what is planned.
 */
final class DeprecatedNames implements InventoryChecker.InventoryRule {

    static final DeprecatedNames RULE = new DeprecatedNames();

    static final String SOURCE_SITE = "sourceSite";

    private DeprecatedNames() {
    }

    @Override
    public String id() {
        return "deprecated-name";
    }

    @Override
    public String summary() {
        return "Deprecated names still work but are reported: write protectedSite for sourceSite.";
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
