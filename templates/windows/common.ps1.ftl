<#-- Shared by both Windows stages: the state folder, action records, the status file and the report. -->
$ErrorActionPreference = 'Continue'
$VmName = [=guest.name]
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
