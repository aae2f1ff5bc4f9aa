# First-boot stage of the Windows remediation for ${vm.name}, staged before boot by runbook.
# Installs the post-reboot stage, readies drivers and disks, removes stale adapters, then reboots.
# Never touches application data, users or passwords, domain membership, or application configuration.
$ErrorActionPreference = 'Continue'
$StatusDir = 'C:\ProgramData\Runbook'
New-Item -ItemType Directory -Force -Path $StatusDir | Out-Null

function Record([string]$Action, [string]$Outcome, [string]$Detail) {
    $line = @{ action = $Action; outcome = $Outcome; detail = $Detail } | ConvertTo-Json -Compress
    Add-Content -Path (Join-Path $StatusDir 'actions.jsonl') -Value $line
}

# Disks online (SAN policy), so that data volumes come back after the hardware change.
try { Set-StorageSetting -NewDiskPolicy OnlineAll; Get-Disk | Where-Object IsOffline | Set-Disk -IsOffline $false; Record 'disks-online' 'succeeded' '' }
catch { Record 'disks-online' 'failed' $_.Exception.Message }

# Stale (hidden) network adapters left from the source hardware.
try {
    Get-PnpDevice -Class Net | Where-Object { $_.Status -eq 'Unknown' } | ForEach-Object { pnputil /remove-device $_.InstanceId | Out-Null }
    Record 'stale-adapters' 'succeeded' ''
} catch { Record 'stale-adapters' 'failed' $_.Exception.Message }

# Schedule the post-reboot stage and reboot into it.
$action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-NoProfile -ExecutionPolicy Bypass -File C:\ProgramData\Runbook\postreboot.ps1'
Register-ScheduledTask -TaskName 'RunbookPostReboot' -Action $action -Trigger (New-ScheduledTaskTrigger -AtStartup) -User 'SYSTEM' -Force | Out-Null
Set-Content -Path (Join-Path $StatusDir 'status.json') -Value '{"vm":"${vm.name}","status":"awaiting-reboot"}'
Restart-Computer -Force
