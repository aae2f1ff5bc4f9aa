# Post-reboot stage of the Windows remediation, staged by runbook and run once at startup after the
# first-boot stage. Applies the network mode, verifies the settings, and reports the final status:
# succeeded, partial or failed, never a silent success.
#
# It never touches application data, users or passwords, domain membership, or application
# configuration and services. Every value below comes from the inventory, checked, and is written as
# one single-quoted PowerShell string.
<#include "common.ps1.ftl">
Write-Status 'postreboot' 'running'

<#if guest.network?has_content>
# Network mode [=guest.mode]: [=guest.networkReason].
<#list guest.network as nic>
# The adapter captured as [=nic.name]:
$mac = [=nic.macDashed]
$address = [=nic.address]
$prefix = [int][=nic.prefix?c]
$gateway = [=nic.gateway]
$dns = @(<#list nic.dns as d>[=d]<#sep>, </#list>)
$adapter = Get-NetAdapter | Where-Object { $_.MacAddress -eq $mac } | Select-Object -First 1
if ($null -eq $adapter) {
    Record "network $mac" 'failed' "no adapter has MAC $mac"
} else {
    try {
        Set-NetIPInterface -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4 -Dhcp Disabled
        Get-NetIPAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4 -ErrorAction SilentlyContinue | Remove-NetIPAddress -Confirm:$false
        Get-NetRoute -InterfaceIndex $adapter.ifIndex -DestinationPrefix '0.0.0.0/0' -ErrorAction SilentlyContinue | Remove-NetRoute -Confirm:$false
        if ($gateway) {
            New-NetIPAddress -InterfaceIndex $adapter.ifIndex -IPAddress $address -PrefixLength $prefix -DefaultGateway $gateway | Out-Null
        } else {
            New-NetIPAddress -InterfaceIndex $adapter.ifIndex -IPAddress $address -PrefixLength $prefix | Out-Null
        }
        if ($dns.Count -gt 0) { Set-DnsClientServerAddress -InterfaceIndex $adapter.ifIndex -ServerAddresses $dns }
        # Verify what is live now, not what was asked for.
        $live = Get-NetIPAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4 | Where-Object { $_.IPAddress -eq $address -and $_.PrefixLength -eq $prefix }
        $route = -not $gateway -or (Get-NetRoute -InterfaceIndex $adapter.ifIndex -DestinationPrefix '0.0.0.0/0' -ErrorAction SilentlyContinue | Where-Object { $_.NextHop -eq $gateway })
        $servers = (Get-DnsClientServerAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4).ServerAddresses
        $dnsOk = $dns.Count -eq 0 -or (($servers -join ',') -eq ($dns -join ','))
        if ($live -and $route -and $dnsOk) {
            Record "network $mac" 'succeeded' ("{0}/{1} on {2}" -f $address, $prefix, $adapter.Name)
        } else {
            Record "network $mac" 'failed' ("after applying, address {0}, gateway {1}, DNS {2}" -f [bool]$live, [bool]$route, $dnsOk)
        }
    } catch { Record "network $mac" 'failed' $_.Exception.Message }
}

</#list>
<#else>
Record 'network' 'skipped' [=guest.networkReason]
</#if>
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
