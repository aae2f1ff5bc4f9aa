<#-- Persists one adapter's settings as a systemd-networkd file; included by firstboot.sh.ftl. -->
  if write_file "/etc/systemd/network/10-$conn.network" 0644 <<'RUNBOOK_EOF'
<#include "systemd-networkd.network.ftl">
RUNBOOK_EOF
  then
    record "persist $mac" succeeded "/etc/systemd/network/10-$conn.network"
    if [ -z "$ROOT" ] && command -v networkctl > /dev/null 2>&1; then
      networkctl reload > /dev/null 2>&1 || true
    fi
  else
    record "persist $mac" failed "could not write /etc/systemd/network/10-$conn.network"
  fi
