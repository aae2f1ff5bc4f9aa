# Post-reboot stage of the Windows remediation, staged by runbook and run once at startup after the
# first-boot stage. Applies the network mode, verifies the settings, and reports the final status:
# succeeded, partial or failed, never a silent success.
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
Write-Status 'postreboot' 'running'

Record 'network' 'skipped' 'policy ''preserve-target'': guest networking is left alone'
# The final status covers both stages: anything that failed makes it partial, or failed if nothing worked.
$all = @(Get-Content -Path $ActionsFile | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
$failedCount = @($all | Where-Object { $_.outcome -eq 'failed' }).Count
$appliedCount = @($all | Where-Object { $_.outcome -eq 'succeeded' }).Count
if ($failedCount -eq 0) { $status = 'succeeded' }
elseif ($appliedCount -gt 0) { $status = 'partial' }
else { $status = 'failed' }
Write-Status 'postreboot' $status
Unregister-ScheduledTask -TaskName 'RunbookPostReboot' -Confirm:$false -ErrorAction SilentlyContinue
Send-Report
