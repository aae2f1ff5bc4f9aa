#!/bin/bash
# One-time first-boot remediation, staged into the replica root disk before boot by runbook.
# Runs once from runbook-firstboot.service, then disables that unit.
#
# Non-blocking: every action records its outcome, the script always exits 0, and boot goes on.
# It changes only the IPv4 settings of the adapters listed below. It never touches application data,
# users or passwords, domain membership, or application configuration and services.
#
# Every value below comes from the inventory, checked, and is written as one quoted shell word.
# RUNBOOK_ROOT, when set, prefixes every file path (for a test run outside the guest).
set -u

VM_NAME='lnx01'
ROOT="${RUNBOOK_ROOT:-}"
STATE_DIR="$ROOT/var/lib/runbook"
ACTIONS="$STATE_DIR/actions.jsonl"
STATUS_FILE="$STATE_DIR/remediation-status.json"
applied=0
failed=0

mkdir -p "$STATE_DIR"
: > "$ACTIONS"

# The text as a JSON string.
json() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=$(printf '%s' "$s" | tr -d '\000-\037')
  printf '"%s"' "$s"
}

# record <action> <outcome> <detail>
record() {
  printf '{"action":%s,"outcome":%s,"detail":%s}\n' "$(json "$1")" "$(json "$2")" "$(json "$3")" >> "$ACTIONS"
  case $2 in
    succeeded) applied=$((applied + 1)) ;;
    failed) failed=$((failed + 1)) ;;
  esac
}

# write_status <status>: the status file the host reads back from the disk.
write_status() {
  local actions
  actions=$(paste -sd, "$ACTIONS")
  printf '{"vm":%s,"stage":"firstboot","status":%s,"time":%s,"actions":[%s]}\n' "$(json "$VM_NAME")" \
    "$(json "$1")" "$(json "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$actions" > "$STATUS_FILE.tmp" &&
    mv "$STATUS_FILE.tmp" "$STATUS_FILE"
}

# Sends the status file to the run's progress endpoint, when the run staged one and curl is there.
# The one-time token stays in a header file, off the command line.
report() {
  local url
  [ -r "$STATE_DIR/report-url" ] && [ -r "$STATE_DIR/report-header" ] || return 0
  command -v curl > /dev/null 2>&1 || return 0
  url=$(cat "$STATE_DIR/report-url")
  for attempt in 1 2 3; do
    if curl -fsS -m 10 -H "@$STATE_DIR/report-header" -H 'Content-Type: application/json' \
      --data-binary "@$STATUS_FILE" "$url" > /dev/null 2>&1; then
      return 0
    fi
    sleep $((attempt * 5))
  done
}

write_status running
record boot succeeded "booted kernel $(uname -r)"

# interface_with_mac <mac>: prints the name of the live adapter with that MAC address.
interface_with_mac() {
  local dev
  for dev in /sys/class/net/*; do
    [ -r "$dev/address" ] || continue
    if [ "$(cat "$dev/address")" = "$1" ]; then
      basename "$dev"
      return 0
    fi
  done
  return 1
}

# adapter_with_mac <mac>: the same, once udev has brought up the adapters: this unit may start while
# the adapter's driver is still loading. It waits at most ADAPTER_WAIT seconds more for that MAC.
ADAPTER_WAIT=30
adapter_with_mac() {
  local waited=0
  if [ -z "$ROOT" ] && command -v udevadm > /dev/null 2>&1; then
    udevadm settle --timeout=120 > /dev/null 2>&1 || true
  fi
  until interface_with_mac "$1"; do
    if [ -n "$ROOT" ] || [ "$waited" -ge "$ADAPTER_WAIT" ]; then
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# write_file <path> <mode>: standard input into the file, replaced atomically.
write_file() {
  local target="$ROOT$1"
  mkdir -p "$(dirname "$target")" &&
    cat > "$target.runbook-tmp" &&
    chmod "$2" "$target.runbook-tmp" &&
    mv "$target.runbook-tmp" "$target"
}

# set_dns <ifname> <server>...: through systemd-resolved when it runs, else in resolv.conf.
set_dns() {
  local ifname=$1
  shift
  if [ -z "$ROOT" ] && command -v resolvectl > /dev/null 2>&1 && resolvectl status > /dev/null 2>&1; then
    resolvectl dns "$ifname" "$@" && { [ "${#search[@]}" -eq 0 ] || resolvectl domain "$ifname" "${search[@]}"; }
    return
  fi
  {
    printf 'nameserver %s\n' "$@"
    [ "${#search[@]}" -eq 0 ] || printf 'search %s\n' "${search[*]}"
  } > "$ROOT/etc/resolv.conf.runbook-tmp" && mv "$ROOT/etc/resolv.conf.runbook-tmp" "$ROOT/etc/resolv.conf"
}

# apply_live <ifname> <address/prefix> <gateway or ''> <dns server>...
apply_live() {
  local ifname=$1 cidr=$2 gateway=$3
  shift 3
  ip address flush dev "$ifname" scope global || return 1
  ip address add "$cidr" dev "$ifname" || return 1
  ip link set dev "$ifname" up || return 1
  if [ -n "$gateway" ]; then
    ip route replace default via "$gateway" dev "$ifname" || return 1
  fi
  if [ "$#" -gt 0 ]; then
    set_dns "$ifname" "$@" || return 1
  fi
}

# Network: 'the static IPv4 captured on the source is restored'; persisted for 'ifcfg'.
# The adapter captured as 'eth0':
mac='52:54:00:10:00:05'
cidr='10.10.0.21/24'
gateway='10.10.0.1'
conn='runbook-525400100005'
dns=('10.10.0.2' '10.10.0.3')
search=('example.internal')
if ifname=$(adapter_with_mac "$mac"); then
  if apply_live "$ifname" "$cidr" "$gateway" "${dns[@]}"; then
    record "network $mac" succeeded "$cidr on $ifname"
  else
    record "network $mac" failed "could not apply $cidr on $ifname"
  fi
  if { cat <<'RUNBOOK_EOF'
# Written by runbook first-boot remediation: the source's static IPv4, matched by MAC address.
NAME='runbook-525400100005'
HWADDR='52:54:00:10:00:05'
TYPE=Ethernet
BOOTPROTO=none
ONBOOT=yes
IPADDR='10.10.0.21'
PREFIX='24'
GATEWAY='10.10.0.1'
DEFROUTE=yes
DNS1='10.10.0.2'
DNS2='10.10.0.3'
DOMAIN='example.internal'
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
else
  record "network $mac" failed "no adapter has MAC $mac"
fi

if [ "$failed" -eq 0 ]; then
  status=succeeded
elif [ "$applied" -gt 1 ]; then # the boot itself is one
  status=partial
else
  status=failed
fi
write_status "$status"
report
if [ -z "$ROOT" ]; then
  systemctl disable runbook-firstboot.service > /dev/null 2>&1 || true
fi
exit 0
