<#-- netplan settings for one adapter, matched by MAC; values are YAML double-quoted scalars. -->
# Written by runbook first-boot remediation: the source's static IPv4, matched by MAC address.
network:
  version: 2
  ethernets:
    [=nic.connection]:
      match:
        macaddress: [=nic.mac]
<#if nic.name?has_content>
      set-name: [=nic.name]
</#if>
      dhcp4: false
      addresses: [[=nic.cidr]]
<#if nic.gateway?has_content>
      routes:
        - to: default
          via: [=nic.gateway]
</#if>
<#if nic.dns?has_content || nic.searchDomains?has_content>
      nameservers:
<#if nic.dns?has_content>
        addresses: [<#list nic.dns as d>[=d]<#sep>, </#list>]
</#if>
<#if nic.searchDomains?has_content>
        search: [<#list nic.searchDomains as d>[=d]<#sep>, </#list>]
</#if>
</#if>
