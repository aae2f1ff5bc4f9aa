# One-time first-boot remediation for ${vm.name}; the script disables this unit when it has run.
[Unit]
Description=Runbook first-boot remediation
After=network-pre.target
Before=network-online.target
ConditionPathExists=!/var/lib/runbook/remediation-status.json

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/runbook-firstboot
TimeoutStartSec=120
# Non-blocking: a failure here never holds up boot.
SuccessExitStatus=0 1

[Install]
WantedBy=multi-user.target
