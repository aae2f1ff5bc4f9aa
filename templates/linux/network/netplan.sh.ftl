<#-- Persists one adapter's settings as a netplan file; included by firstboot.sh.ftl. -->
  if write_file "/etc/netplan/90-$conn.yaml" 0600 <<'RUNBOOK_EOF'
<#include "netplan.yaml.ftl">
RUNBOOK_EOF
  then
    record "persist $mac" succeeded "/etc/netplan/90-$conn.yaml"
    if [ -z "$ROOT" ] && command -v netplan > /dev/null 2>&1; then
      netplan generate > /dev/null 2>&1 || record "persist $mac" failed "netplan generate refused the settings"
    fi
  else
    record "persist $mac" failed "could not write /etc/netplan/90-$conn.yaml"
  fi
