#!/usr/bin/env bash
# Builds the small real Linux guest that the real-QEMU recovery test and `runbook demo --real` boot:
# Debian 12 from Debian's own packages (debootstrap), with systemd, iproute2, curl, a kernel,
# initramfs-tools and the QEMU guest agent, on a 2 GiB qcow2 disk that boots by itself (extlinux in
# the MBR, BIOS firmware), its console on the first serial port. The guest has no network
# configuration of its own: an address it shows was put there by runbook's first-boot remediation.
#
# usage: guest-image.sh [--path]
#   Prints the image's path on stdout, building it first when it is not in the cache yet; with --path
#   only prints where it is (or would be). Progress goes to stderr.
#
# The cache is RUNBOOK_GUEST_CACHE (default /var/cache/runbook), outside any checkout; the file name
# carries the SHA-256 of this script, so a changed script builds a new image and an unchanged one is
# reused. Building needs root, a loop device and the Debian mirror RUNBOOK_DEBIAN_MIRROR (default
# http://deb.debian.org/debian); missing tools are installed with apt-get.
set -euo pipefail

self=$(readlink -f -- "${BASH_SOURCE[0]}")
hash=$(sha256sum "$self" | cut -c1-16)
cache=${RUNBOOK_GUEST_CACHE:-/var/cache/runbook}
image=$cache/guest-debian12-$hash.qcow2
mirror=${RUNBOOK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
label=rbguest

say() { printf 'guest-image: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

case ${1:-} in
  --path)
    printf '%s\n' "$image"
    exit 0
    ;;
  '') ;;
  *) die "usage: guest-image.sh [--path]" ;;
esac

if [[ -f $image ]]; then
  printf '%s\n' "$image"
  exit 0
fi

((EUID == 0)) || die "building $image needs root (debootstrap, a loop device, mount)"

# The build runs in a mount namespace of its own, so that no mount outlives it, whatever stops it.
if [[ -z ${RUNBOOK_GUEST_IMAGE_NS:-} ]]; then
  exec unshare --mount --propagation private env RUNBOOK_GUEST_IMAGE_NS=1 "$self" "$@"
fi

# tool -> Debian package, installed when missing.
declare -A needs=([debootstrap]=debootstrap [extlinux]=extlinux [qemu-img]=qemu-utils
  [sfdisk]=fdisk [mkfs.ext4]=e2fsprogs [losetup]=mount [flock]=util-linux)
missing=()
for tool in "${!needs[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${needs[$tool]}")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
fi
mbr=/usr/lib/EXTLINUX/mbr.bin
[[ -r $mbr ]] || die "$mbr is missing; reinstall extlinux"

mkdir -p "$cache"
# One build at a time; whoever waited finds the image made.
exec 9>"$image.lock"
flock 9
if [[ -f $image ]]; then
  printf '%s\n' "$image"
  exit 0
fi

work=$(mktemp -d "$cache/build.XXXXXX")
loop=
cleanup() {
  if mountpoint -q "$work/root"; then umount -R "$work/root" || true; fi
  if [[ -n $loop ]]; then losetup -d "$loop" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start=$(date +%s)
raw=$work/disk.raw
# One bootable partition from 1 MiB to the end of a sparse 2 GiB disk.
truncate -s 2G "$raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$raw"
loop=$(losetup --find --show --offset $((2048 * 512)) "$raw")
# extlinux reads ext4 without the 64bit feature.
mkfs.ext4 -q -L "$label" -O ^64bit "$loop"
mkdir "$work/root"
mount "$loop" "$work/root"
root=$work/root

say "debootstrap of Debian 12 from $mirror (a few minutes)"
debootstrap --variant=minbase --components=main \
  --include=systemd,systemd-sysv,udev,dbus,kmod,iproute2,curl,linux-image-amd64,initramfs-tools,zstd,qemu-guest-agent \
  bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  die "debootstrap failed; its last lines: $(tail -n 5 "$work/debootstrap.log" 2>/dev/null || true)"

say "configuring the guest"
echo "$label" >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$label" >"$root/etc/hosts"
# No fsck at boot (pass 0): ext4's journal is replayed at mount, also after a hard power-off.
printf 'LABEL=%s\t/\text4\terrors=remount-ro\t0\t0\n' "$label" >"$root/etc/fstab"
# Each boot of a copy is a machine of its own.
: >"$root/etc/machine-id"
# systemd-networkd is the guest's network stack: no configuration of its own, so an adapter stays
# unconfigured until the first boot restores the captured settings (persisted for networkd). Nothing
# waits for the network to be online, and nothing runs on a timer to compete for the CPU.
chroot "$root" systemctl enable systemd-networkd.service >/dev/null 2>&1
# Under TCG every unit and every probed device costs seconds of boot: what this guest does not use is
# masked, and the drivers of devices it does not need are not loaded. Its domains are powered off by the
# hypervisor, and logins happen on the serial console only, so it needs no logind.
chroot "$root" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
  systemd-logind.service \
  e2scrub_all.timer e2scrub_reap.service fstrim.timer dev-hugepages.mount sys-kernel-debug.mount \
  sys-kernel-tracing.mount sys-fs-fuse-connections.mount sys-kernel-config.mount modprobe@drm.service \
  modprobe@fuse.service modprobe@efi_pstore.service modprobe@dm_mod.service modprobe@loop.service >/dev/null 2>&1
printf 'blacklist %s\n' floppy pcspkr psmouse serio_raw i2c_piix4 kvm kvm_amd kvm_intel \
  >"$root/etc/modprobe.d/runbook-guest.conf"
# The initramfs holds only the drivers of the hardware the guest was built for (an IDE disk), as a
# guest moved from other hardware has: booting from a virtio disk needs the adaptation that adds them.
sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
printf '%s\n' ata_piix ata_generic sd_mod ext4 crc32c_generic >>"$root/etc/initramfs-tools/modules"
# Rebuilding it is part of every failover, under TCG: no swap to resume from, so nothing to probe for one.
echo RESUME=none >"$root/etc/initramfs-tools/conf.d/resume"
chroot "$root" update-initramfs -u -k all >"$work/initramfs.log" 2>&1 ||
  die "update-initramfs failed; its last lines: $(tail -n 5 "$work/initramfs.log" 2>/dev/null || true)"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*

mkdir -p "$root/boot/extlinux"
cat >"$root/boot/extlinux/extlinux.conf" <<EOF
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=$label ro console=ttyS0,115200n8 quiet systemd.show_status=true mitigations=off
EOF
extlinux --install "$root/boot/extlinux" >/dev/null 2>&1 || die "extlinux --install failed"
# The packages debootstrap downloaded are deleted; their blocks go too, so the image stays small.
fstrim "$root" || true
umount "$root"
losetup -d "$loop"
loop=
dd if="$mbr" of="$raw" bs=440 count=1 conv=notrunc status=none

qemu-img convert -f raw -O qcow2 "$raw" "$work/disk.qcow2"
mv "$work/disk.qcow2" "$image"
say "built $image in $(($(date +%s) - start)) s"
printf '%s\n' "$image"
