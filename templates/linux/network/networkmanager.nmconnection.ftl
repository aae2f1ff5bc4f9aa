<#-- NetworkManager keyfile for one adapter, matched by MAC; values must be plain tokens. -->
# Written by runbook first-boot remediation: the source's static IPv4, matched by MAC address.
[connection]
id=[=nic.connection]
type=ethernet
autoconnect-priority=100

[ethernet]
mac-address=[=nic.mac]

[ipv4]
method=manual
address1=[=nic.cidr]<#if nic.gateway?has_content>,[=nic.gateway]</#if>
<#if nic.dns?has_content>
dns=<#list nic.dns as d>[=d];</#list>
</#if>
<#if nic.searchDomains?has_content>
dns-search=<#list nic.searchDomains as d>[=d];</#list>
</#if>
