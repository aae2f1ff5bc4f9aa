<#-- systemd-networkd settings for one adapter, matched by MAC; values must be plain tokens. -->
# Written by runbook first-boot remediation: the source's static IPv4, matched by MAC address.
[Match]
MACAddress=[=nic.mac]

[Network]
Address=[=nic.cidr]
<#if nic.gateway?has_content>
Gateway=[=nic.gateway]
</#if>
<#list nic.dns as d>
DNS=[=d]
</#list>
<#if nic.searchDomains?has_content>
Domains=<#list nic.searchDomains as d>[=d]<#sep> </#list>
</#if>
