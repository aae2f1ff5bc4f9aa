package dev.runbook.primitive;

import static dev.runbook.primitive.PrimitiveSpec.ParamSpec.optional;
import static dev.runbook.primitive.PrimitiveSpec.ParamSpec.required;

import dev.runbook.primitive.PrimitiveSpec.ParamSpec;
import dev.runbook.primitive.PrimitiveSpec.Type;
import java.util.List;

/** The guest remediation family: adapting the replica root disk, staging first-boot files, awaiting the report. */
public final class RemediationSpecs {

    private static final ParamSpec VM = required("vm", Type.STRING, "The protected VM's name from the inventory.");
    private static final ParamSpec DISK = required("disk", Type.STRING, "Path of the replica root disk.");

    public static final PrimitiveSpec ADAPT = PrimitiveSpec.action("remediation.adapt", true, null,
            "adapt replica root disk {disk} of {vm} for the {profile} virtual hardware", VM, DISK,
            required("profile", Type.STRING, "The destination hardware profile.")).asHeavy();

    public static final PrimitiveSpec STAGE = PrimitiveSpec.action("remediation.stage", true, null,
            "stage guest remediation files into {disk} of {vm} and set them to run at its first boot", VM, DISK,
            required("files", Type.LIST, "Files to render and stage: template, guest path and mode.")).asHeavy();

    public static final PrimitiveSpec AWAIT_STATUS = PrimitiveSpec.action("remediation.await-status", false, null,
            "wait for {vm}'s remediation report, at most {deadline}", VM,
            optional("deadline", Type.DURATION, "How long to wait for the guest's report."),
            optional("failOn", Type.LIST, "Final statuses that fail the step, and with it the run (default none: "
                    + "remediation does not undo a failover). No report by the deadline is 'failed', with the reason. "
                    + "The status is the step's result, shown everywhere and read by a decision's commitWhen."));

    static final List<PrimitiveSpec> ALL = List.of(ADAPT, STAGE, AWAIT_STATUS);

    private RemediationSpecs() {
    }
}
