<#-- The one-time unit that runs the first-boot script; the script disables it when it has run. -->
# One-time first-boot remediation, staged by runbook. The script disables this unit when it has run,
# and the unit does not start once the script has written its status.
[Unit]
Description=Runbook first-boot remediation
Wants=network.target
After=network.target
Before=network-online.target
ConditionPathExists=!/var/lib/runbook/remediation-status.json

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/runbook-firstboot
TimeoutStartSec=300
# Non-blocking: a failure here never holds up boot.
SuccessExitStatus=0 1
RemainAfterExit=no

[Install]
WantedBy=multi-user.target
