<#-- Persists one adapter's settings as an ifcfg file (RHEL family); included by firstboot.sh.ftl. -->
  if { cat <<'RUNBOOK_EOF'
<#include "ifcfg.ifcfg.ftl">
RUNBOOK_EOF
    printf 'DEVICE=%s\n' "$ifname"
  } | write_file "/etc/sysconfig/network-scripts/ifcfg-$conn" 0644
  then
    record "persist $mac" succeeded "/etc/sysconfig/network-scripts/ifcfg-$conn"
    if [ -z "$ROOT" ] && command -v nmcli > /dev/null 2>&1 && nmcli general status > /dev/null 2>&1; then
      nmcli connection reload > /dev/null 2>&1 || true
    fi
  else
    record "persist $mac" failed "could not write /etc/sysconfig/network-scripts/ifcfg-$conn"
  fi
