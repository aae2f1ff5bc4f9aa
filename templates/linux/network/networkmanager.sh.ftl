<#-- Persists one adapter's settings as a NetworkManager keyfile; included by firstboot.sh.ftl. -->
  if write_file "/etc/NetworkManager/system-connections/$conn.nmconnection" 0600 <<'RUNBOOK_EOF'
<#include "networkmanager.nmconnection.ftl">
RUNBOOK_EOF
  then
    record "persist $mac" succeeded "/etc/NetworkManager/system-connections/$conn.nmconnection"
    if [ -z "$ROOT" ] && command -v nmcli > /dev/null 2>&1 && nmcli general status > /dev/null 2>&1; then
      if ! { nmcli connection reload && nmcli connection up "$conn"; } > /dev/null 2>&1; then
        record "activate $mac" failed "NetworkManager did not activate $conn"
      fi
    fi
  else
    record "persist $mac" failed "could not write /etc/NetworkManager/system-connections/$conn.nmconnection"
  fi
