<#-- ifcfg settings for one adapter (sourced by shell: values are single-quoted words). DEVICE is added at boot. -->
# Written by runbook first-boot remediation: the source's static IPv4, matched by MAC address.
NAME=[=nic.connection]
HWADDR=[=nic.mac]
TYPE=Ethernet
BOOTPROTO=none
ONBOOT=yes
IPADDR=[=nic.address]
PREFIX=[=nic.prefix?c]
<#if nic.gateway?has_content>
GATEWAY=[=nic.gateway]
DEFROUTE=yes
</#if>
<#if nic.dns?size gt 0>
DNS1=[=nic.dns[0]]
</#if>
<#if nic.dns?size gt 1>
DNS2=[=nic.dns[1]]
</#if>
<#if nic.dns?size gt 2>
DNS3=[=nic.dns[2]]
</#if>
<#if nic.searchDomains?has_content>
DOMAIN=[=nic.searchDomains?join(" ")]
</#if>
