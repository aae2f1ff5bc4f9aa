#!/bin/bash
# One-time first-boot remediation for ${vm.name}, staged before boot by runbook.
# Non-blocking: every action records its outcome and boot goes on whatever happens.
# Never touches application data, users or passwords, domain membership, or application configuration.
set -u

STATUS_DIR=/var/lib/runbook
STATUS_FILE="$STATUS_DIR/remediation-status.json"
mkdir -p "$STATUS_DIR"

record() {
  # record <action> <outcome> <detail>
  printf '{"action":"%s","outcome":"%s","detail":"%s"}\n' "$1" "$2" "$3" >> "$STATUS_DIR/actions.jsonl"
}

<#assign mode = vm.remediation.network>
<#assign statics = vm.nics?filter(n -> n.ipv4?is_hash)>
<#if mode == "restore-static" && statics?size gt 0>
<#list statics as nic>
restore_${nic?index}() {
  local mac='${nic.mac?lower_case}'
  local ifname
  ifname=$(for d in /sys/class/net/*; do [ "$(cat "$d/address" 2>/dev/null)" = "$mac" ] && basename "$d"; done | head -n 1)
  if [ -z "$ifname" ]; then
    record network-${nic?index} failed "no adapter with MAC $mac"
    return 1
  fi
  ip address flush dev "$ifname" || true
  ip address add '${nic.ipv4.address}/${nic.ipv4.prefix}' dev "$ifname" &&
  ip link set "$ifname" up<#if nic.ipv4.gateway??> &&
  ip route replace default via '${nic.ipv4.gateway}' dev "$ifname"</#if> || { record network-${nic?index} failed "could not apply the address on $ifname"; return 1; }
<#if nic.ipv4.dns??>
  printf 'nameserver %s\n'<#list nic.ipv4.dns as d> '${d}'</#list> > /etc/resolv.conf.runbook && mv /etc/resolv.conf.runbook /etc/resolv.conf
</#if>
  record network-${nic?index} succeeded "$ifname ${nic.ipv4.address}/${nic.ipv4.prefix}"
}
</#list>

failed=0
<#list statics as nic>
restore_${nic?index} || failed=1
</#list>
<#else>
# Network mode '${mode}' or no captured static IPv4: guest networking is left alone.
record network skipped "mode ${mode}, no static IPv4 to restore"
failed=0
</#if>

if [ "$failed" = 0 ]; then status=succeeded; else status=partial; fi
printf '{"vm":"%s","status":"%s"}\n' '${vm.name}' "$status" > "$STATUS_FILE"
systemctl disable runbook-firstboot.service >/dev/null 2>&1 || true
exit 0
