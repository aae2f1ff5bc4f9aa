# Post-reboot stage of the Windows remediation for ${vm.name}: applies the network mode, verifies it,
# and reports the final status. Never silent: anything not applied makes the status partial or failed.
$ErrorActionPreference = 'Continue'
$StatusDir = 'C:\ProgramData\Runbook'
$failed = 0

function Record([string]$Action, [string]$Outcome, [string]$Detail) {
    $line = @{ action = $Action; outcome = $Outcome; detail = $Detail } | ConvertTo-Json -Compress
    Add-Content -Path (Join-Path $StatusDir 'actions.jsonl') -Value $line
}

<#assign mode = vm.remediation.network>
<#if mode == "preserve-target">
Record 'network' 'skipped' 'preserve-target: target networking is kept'
<#else>
<#list vm.nics as nic>
<#if mode == "manual"><#assign cfg = vm.remediation.manual><#elseif nic.ipv4?is_hash><#assign cfg = nic.ipv4><#else><#assign cfg = ""></#if>
<#if cfg?is_hash>
$adapter = Get-NetAdapter | Where-Object { $_.MacAddress -eq '${nic.mac?upper_case?replace(":", "-")}' } | Select-Object -First 1
if ($null -eq $adapter) { Record 'network-${nic?index}' 'failed' 'no adapter with MAC ${nic.mac}'; $failed++ }
else {
    try {
        Get-NetIPAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4 -ErrorAction SilentlyContinue | Remove-NetIPAddress -Confirm:$false
        New-NetIPAddress -InterfaceIndex $adapter.ifIndex -IPAddress '${cfg.address}' -PrefixLength ${cfg.prefix}<#if cfg.gateway??> -DefaultGateway '${cfg.gateway}'</#if> | Out-Null
<#if cfg.dns??>
        Set-DnsClientServerAddress -InterfaceIndex $adapter.ifIndex -ServerAddresses @(<#list cfg.dns as d>'${d}'<#sep>, </#list>)
</#if>
        $ok = (Get-NetIPAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4).IPAddress -contains '${cfg.address}'
        if ($ok) { Record 'network-${nic?index}' 'succeeded' '${cfg.address}/${cfg.prefix}' } else { Record 'network-${nic?index}' 'failed' 'address not present after apply'; $failed++ }
    } catch { Record 'network-${nic?index}' 'failed' $_.Exception.Message; $failed++ }
}
<#else>
Record 'network-${nic?index}' 'skipped' 'DHCP on the source: target addressing is kept'
</#if>
</#list>
</#if>

$status = if ($failed -eq 0) { 'succeeded' } else { 'partial' }
Set-Content -Path (Join-Path $StatusDir 'status.json') -Value ('{"vm":"${vm.name}","status":"' + $status + '"}')
Unregister-ScheduledTask -TaskName 'RunbookPostReboot' -Confirm:$false
