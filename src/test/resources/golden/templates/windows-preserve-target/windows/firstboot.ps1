# First-boot stage of the Windows remediation, staged into the replica system disk before boot by runbook.
# Readies drivers, disks and guest management, removes stale adapters, schedules the post-reboot stage
# and reboots into it. The status is awaiting-reboot until the post-reboot stage reports.
#
# It never touches application data, users or passwords, domain membership, or application
# configuration and services. Every value below comes from the inventory, checked, and is written as
# one single-quoted PowerShell string.
$ErrorActionPreference = 'Continue'
$VmName = 'win03'
$StateDir = Join-Path $env:ProgramData 'Runbook'
$ActionsFile = Join-Path $StateDir 'actions.jsonl'
$StatusFile = Join-Path $StateDir 'remediation-status.json'
New-Item -ItemType Directory -Force -Path $StateDir | Out-Null

# Record <action> <outcome> <detail>: one line of the action log.
function Record([string]$Action, [string]$Outcome, [string]$Detail) {
    $line = [ordered]@{ action = $Action; outcome = $Outcome; detail = $Detail } | ConvertTo-Json -Compress
    Add-Content -Path $ActionsFile -Value $line -Encoding UTF8
}

# The status file the host reads back from the disk, replaced whole.
function Write-Status([string]$Stage, [string]$Status) {
    $actions = @(Get-Content -Path $ActionsFile -ErrorAction SilentlyContinue | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
    $doc = [ordered]@{ vm = $VmName; stage = $Stage; status = $Status; time = (Get-Date).ToUniversalTime().ToString('o'); actions = $actions }
    $doc | ConvertTo-Json -Depth 4 -Compress | Set-Content -Path "$StatusFile.tmp" -Encoding UTF8
    Move-Item -Force -Path "$StatusFile.tmp" -Destination $StatusFile
}

# Sends the status file to the run's progress endpoint, when the run staged one.
function Send-Report {
    $urlFile = Join-Path $StateDir 'report-url'
    $headerFile = Join-Path $StateDir 'report-header'
    if (-not ((Test-Path $urlFile) -and (Test-Path $headerFile))) { return }
    $url = (Get-Content -Path $urlFile -Raw).Trim()
    $header = (Get-Content -Path $headerFile -Raw).Trim() -split ':\s*', 2
    foreach ($attempt in 1..3) {
        try {
            Invoke-RestMethod -Method Post -Uri $url -Headers @{ $header[0] = $header[1] } -ContentType 'application/json' -InFile $StatusFile -TimeoutSec 10 | Out-Null
            return
        } catch { Start-Sleep -Seconds (5 * $attempt) }
    }
}
Set-Content -Path $ActionsFile -Value $null
Write-Status 'firstboot' 'running'

# Run once: the service that started this stage at boot (registered offline in the SYSTEM hive when the
# disk was staged) is disabled before anything else.
# If it cannot be disabled, the stage stops here: rebooting would run it again at every start.
try {
    Set-Service -Name 'RunbookFirstboot' -StartupType Disabled -ErrorAction Stop
    Record 'run-once' 'succeeded' 'first-boot service RunbookFirstboot disabled'
} catch {
    Record 'run-once' 'failed' ('first-boot service RunbookFirstboot: ' + $_.Exception.Message + '; stopped without a reboot')
    Write-Status 'firstboot' 'failed'
    Send-Report
    exit 0
}

# Driver readiness: the virtio storage and network drivers of the recovery hardware.
try {
    $drivers = Join-Path $StateDir 'drivers'
    if (Test-Path $drivers) { pnputil.exe /add-driver (Join-Path $drivers '*.inf') /subdirs /install | Out-Null }
    $present = @(Get-CimInstance Win32_PnPSignedDriver | Where-Object { $_.DeviceName -match 'VirtIO|Red Hat' })
    if ($present.Count -gt 0) { Record 'drivers' 'succeeded' ("{0} virtio drivers bound" -f $present.Count) }
    else { Record 'drivers' 'failed' 'no virtio driver is bound to a device' }
} catch { Record 'drivers' 'failed' $_.Exception.Message }

# Disks online: the SAN policy brings every disk online, so data volumes come back after the change.
try {
    Set-StorageSetting -NewDiskPolicy OnlineAll
    $offline = @(Get-Disk | Where-Object IsOffline)
    $offline | Set-Disk -IsOffline $false
    Get-Disk | Where-Object IsReadOnly | Set-Disk -IsReadOnly $false
    Record 'disks-online' 'succeeded' ("SAN policy OnlineAll; {0} disks brought online" -f $offline.Count)
} catch { Record 'disks-online' 'failed' $_.Exception.Message }

# Guest management readiness: the QEMU guest agent runs and starts with Windows.
try {
    $agent = Get-Service -Name 'QEMU-GA' -ErrorAction Stop
    Set-Service -Name 'QEMU-GA' -StartupType Automatic
    if ($agent.Status -ne 'Running') { Start-Service -Name 'QEMU-GA' }
    Record 'guest-management' 'succeeded' 'QEMU guest agent running'
} catch { Record 'guest-management' 'failed' ('QEMU guest agent: ' + $_.Exception.Message) }

# Stale adapters: network devices of the source hardware that are no longer present.
try {
    $stale = @(Get-PnpDevice -Class Net -ErrorAction SilentlyContinue | Where-Object { -not $_.Present })
    foreach ($device in $stale) { pnputil.exe /remove-device $device.InstanceId | Out-Null }
    Record 'stale-adapters' 'succeeded' ("{0} removed" -f $stale.Count)
} catch { Record 'stale-adapters' 'failed' $_.Exception.Message }

# Schedule the post-reboot stage, then reboot into it.
try {
    $post = Join-Path $StateDir 'postreboot.ps1'
    $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -ExecutionPolicy Bypass -File "' + $post + '"')
    Register-ScheduledTask -TaskName 'RunbookPostReboot' -Action $action -Trigger (New-ScheduledTaskTrigger -AtStartup) -User 'SYSTEM' -RunLevel Highest -Force | Out-Null
    Record 'schedule-post-reboot' 'succeeded' 'RunbookPostReboot runs at the next start'
    Write-Status 'firstboot' 'awaiting-reboot'
    Send-Report
    Restart-Computer -Force
} catch {
    Record 'schedule-post-reboot' 'failed' $_.Exception.Message
    Write-Status 'firstboot' 'failed'
    Send-Report
}
