#!/bin/bash
# Builds what the USB lab host (L1) boots from: a stock Debian kernel, its module tree,
# and a busybox initramfs that mounts this machine's root over 9p (see README.md).
#
#   build-assets.sh [BUILD_DIR]        default: <repo>/build/lab
#
# Outputs in BUILD_DIR: vmlinuz, initrd.gz, kernel/lib/modules/<version>/ (shared into L1
# as /lib/modules), kernel.version. A second run with nothing changed reuses all of it
# without touching the network.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${1:-$(cd "$HERE/../.." && pwd)/build/lab}

# Modules the initramfs needs before the root filesystem exists: the 9p transport over
# virtio-pci, and overlayfs for the writable tmpfs layer. Their dependencies are added
# from modules.dep, so a kernel that splits or merges modules still works.
INITRD_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

PACKAGES=(qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients busybox-static cpio kmod socat)

log() { echo "build-assets: $*" >&2; }
die() {
    echo "build-assets: ERROR: $1" >&2
    [ $# -lt 2 ] || echo "build-assets: what to do: $2" >&2
    exit 1
}

START=$(date +%s.%N)
APT_UPDATED=0
apt_update_once() {
    [ "$APT_UPDATED" = 1 ] && return 0
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed" \
        "check that this machine reaches the Debian mirror (/etc/apt/sources.list*)"
    APT_UPDATED=1
}

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and unpacks a kernel)" \
    "run it with sudo or as root"
mkdir -p "$BUILD_DIR" || die "cannot create $BUILD_DIR" "pass a writable BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)

# Parallel test runs may call this at once; the second waits and then finds the cache.
exec 9>"$BUILD_DIR/.lock"
flock -w 900 9 || die "another build-assets.sh holds $BUILD_DIR/.lock for 15 minutes" \
    "check for a stuck build-assets.sh process"

# --- 1. Debian packages --------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_update_once
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 ||
        die "apt-get install ${missing[*]} failed" "read apt's message above; try the same command by hand"
fi

# --- 2. The kernel package that linux-image-amd64 currently points at --------------------
# The concrete package name carries the ABI version and changes with every kernel update, so
# it is looked up (offline, from apt's lists) instead of written down here.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ <>]*\)$/\1/p' | head -n1
}
KPKG=$(kernel_package)
if [ -z "$KPKG" ]; then
    if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
        apt_update_once
        KPKG=$(kernel_package)
    fi
fi
if [ -z "$KPKG" ]; then
    if apt-cache show linux-image-amd64 >/dev/null 2>&1; then
        die "linux-image-amd64 no longer depends on a package named linux-image-*" \
            "see 'apt-cache depends linux-image-amd64' and update kernel_package() in $0"
    fi
    die "apt knows no package linux-image-amd64 (not Debian, or no main component?)" \
        "check 'apt-cache policy linux-image-amd64' and /etc/apt/sources.list*"
fi

KDIR=$BUILD_DIR/kernel
if [ -f "$KDIR/.package" ] && [ "$(cat "$KDIR/.package")" = "$KPKG" ] && [ -f "$BUILD_DIR/vmlinuz" ]; then
    KERNEL_CACHED=1
else
    KERNEL_CACHED=0
    log "fetching kernel package $KPKG"
    DL=$BUILD_DIR/download
    rm -rf "$DL" "$KDIR.new"
    mkdir -p "$DL"
    # apt-get download writes into the current directory; as root it warns that _apt cannot
    # write there, which is harmless.
    if ! (cd "$DL" && apt-get download -qq "$KPKG" 2> >(grep -v "unsandboxed as root" >&2)); then
        # An old version disappears from the mirror after an update: refresh the lists once.
        apt_update_once
        KPKG=$(kernel_package)
        (cd "$DL" && apt-get download -qq "$KPKG" 2> >(grep -v "unsandboxed as root" >&2)) ||
            die "apt-get download $KPKG failed" "check the mirror, then run again"
    fi
    DEB=$(ls "$DL"/*.deb 2>/dev/null | head -n1)
    [ -n "$DEB" ] || die "apt-get download $KPKG left no .deb in $DL" "run again; if it repeats, run it by hand"
    dpkg -x "$DEB" "$KDIR.new" || die "dpkg -x $DEB failed" "delete $BUILD_DIR and run again"
    # Debian 13+ ships modules under /usr/lib; depmod -b and the 9p share both want lib/modules.
    if [ ! -d "$KDIR.new/lib/modules" ] && [ -d "$KDIR.new/usr/lib/modules" ]; then
        ln -s usr/lib "$KDIR.new/lib"
    fi
    rm -rf "$KDIR"
    mv "$KDIR.new" "$KDIR"
    rm -rf "$DL"
fi

KVER=$(ls "$KDIR/lib/modules" 2>/dev/null | head -n1)
if [ -z "$KVER" ] || [ ! -d "$KDIR/lib/modules/$KVER/kernel" ]; then
    die "no module tree in $KDIR/lib/modules (package $KPKG has an unexpected layout)" \
        "look at 'dpkg -c' of the package and adapt $0"
fi
VMLINUZ=$KDIR/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "no $VMLINUZ in package $KPKG" "look at 'dpkg -c' of the package and adapt $0"

if [ "$KERNEL_CACHED" = 0 ]; then
    log "depmod $KVER"
    depmod -b "$KDIR" "$KVER" || die "depmod -b $KDIR $KVER failed" "check that kmod is installed"
    ln -sf "kernel/boot/vmlinuz-$KVER" "$BUILD_DIR/vmlinuz"
    echo "$KVER" >"$BUILD_DIR/kernel.version"
    echo "$KPKG" >"$KDIR/.package"
fi

# --- 3. initramfs ----------------------------------------------------------------------------
BUSYBOX=$(dpkg -L busybox-static | grep -E '/s?bin/busybox$' | head -n1)
[ -x "$BUSYBOX" ] || die "busybox-static is installed but has no bin/busybox" "reinstall busybox-static"

STAMP="$KVER $(sha256sum "$HERE/init" "$0" "$BUSYBOX" | cut -c1-16 | tr '\n' ' ')"
if [ -f "$BUILD_DIR/initrd.gz" ] && [ -f "$BUILD_DIR/initrd.stamp" ] &&
    [ "$(cat "$BUILD_DIR/initrd.stamp")" = "$STAMP" ]; then
    INITRD_CACHED=1
else
    INITRD_CACHED=0
    log "building initrd.gz"
    MODDIR=$KDIR/lib/modules/$KVER
    declare -A DEPS=() FILE=() BUILTIN=() SEEN=()
    modname() { local b=${1##*/}; b=${b%%.ko*}; echo "${b//-/_}"; }
    while IFS=: read -r path deps; do
        n=$(modname "$path")
        FILE[$n]=$path
        DEPS[$n]=$deps
    done <"$MODDIR/modules.dep"
    while read -r path; do BUILTIN[$(modname "$path")]=1; done <"$MODDIR/modules.builtin"

    ORDER=()
    # Depth-first: every module comes after all of the modules it needs.
    add_module() {
        local n=$1 d
        [ -n "${SEEN[$n]:-}" ] && return 0
        SEEN[$n]=1
        [ -n "${BUILTIN[$n]:-}" ] && return 0
        [ -n "${FILE[$n]:-}" ] || die "module $n is neither in modules.dep nor built into $KVER" \
            "check the module's name for this kernel and edit INITRD_MODULES in $0"
        for d in ${DEPS[$n]}; do add_module "$(modname "$d")"; done
        ORDER+=("$n")
    }
    for m in "${INITRD_MODULES[@]}"; do add_module "$m"; done

    STAGE=$BUILD_DIR/initrd.d
    rm -rf "$STAGE"
    mkdir -p "$STAGE"/{bin,mods,proc,sys,dev,mnt/lower,mnt/upper,newroot}
    cp "$BUSYBOX" "$STAGE/bin/busybox"
    cp "$HERE/init" "$STAGE/init"
    chmod 755 "$STAGE/init" "$STAGE/bin/busybox"
    for n in "${ORDER[@]}"; do
        src=$MODDIR/${FILE[$n]}
        # busybox insmod takes plain ELF objects only, so compressed modules are unpacked here.
        case "$src" in
        *.ko) cp "$src" "$STAGE/mods/$n.ko" ;;
        *.ko.xz) xz -dc "$src" >"$STAGE/mods/$n.ko" ;;
        *.ko.zst) command -v zstd >/dev/null || die "$src is zstd-compressed and zstd is missing" \
            "apt-get install zstd"
            zstd -qdc "$src" >"$STAGE/mods/$n.ko" ;;
        *.ko.gz) gzip -dc "$src" >"$STAGE/mods/$n.ko" ;;
        *) die "unknown module format: $src" "teach $0 to unpack it" ;;
        esac || die "cannot unpack $src" "delete $BUILD_DIR and run again"
        echo "$n" >>"$STAGE/mods/order"
    done
    (cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) \
        >"$BUILD_DIR/initrd.gz.new" || die "packing the initramfs failed" "check cpio and gzip"
    mv "$BUILD_DIR/initrd.gz.new" "$BUILD_DIR/initrd.gz"
    rm -rf "$STAGE"
    echo "$STAMP" >"$BUILD_DIR/initrd.stamp"
    log "initrd modules: ${ORDER[*]}"
fi

SECS=$(awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
if [ "$KERNEL_CACHED$INITRD_CACHED" = 11 ]; then
    log "reused the cache in $BUILD_DIR (kernel $KVER from $KPKG) in ${SECS}s"
else
    log "built $BUILD_DIR (kernel $KVER from $KPKG) in ${SECS}s"
fi
echo "$BUILD_DIR"
