#!/bin/bash
# Builds usbpassd_<version>_amd64.deb and usbpassd-<version>-1.x86_64.rpm from the published
# binaries (make publish: build/publish/usbpassd and build/publish/usbpassctl) and the files
# under packaging/ and udev-rules/. Runs lintian and rpmlint when they are installed.
#
#   packaging/build-packages.sh VERSION OUTDIR        e.g. 0.1.0 build/packages
#
# VERSION is the upstream version; the Debian revision -1 is added unless VERSION has one.
# Needs dpkg-deb, rpmbuild (Debian: apt-get install rpm) and help2man (installed if missing).
# What goes where, and why: packaging/README.md.
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
VERSION=$1
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG=$ROOT/packaging
PUBLISH=$ROOT/build/publish
WORK=$ROOT/build/packages-work
DEB_VERSION=$VERSION
[[ $VERSION == *-* ]] || DEB_VERSION=$VERSION-1
UPSTREAM=${VERSION%%-*}
# Reproducible dates (man pages, changelog, file times): the last commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}
export TZ=UTC LC_ALL=C.UTF-8

log() { echo "build-packages: $*" >&2; }
die() { echo "build-packages: ERROR: $*" >&2; exit 1; }
. "$PKG/package-steps.sh"

for app in usbpassd usbpassctl; do
    [ -x "$PUBLISH/$app/$app" ] || die "$PUBLISH/$app/$app is missing: run 'make publish' first"
done
for tool in help2man:help2man rpmbuild:rpm; do
    command -v "${tool%%:*}" >/dev/null || {
        log "installing ${tool#*:}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null ||
            die "${tool%%:*} is missing and apt-get could not install ${tool#*:}"
    }
done
rm -rf "$WORK"
mkdir -p "$WORK"

# --- one application folder for both commands -------------------------------------------------
# Both are NativeAOT executables (make publish): no .NET runtime to ship. What they share, SQLite's
# libe_sqlite3.so (loaded by usbpassd only), must be byte-identical in the two publishes; it is
# shipped once in /usr/lib/usbpassd, next to the executables that load it from their own folder.
APP=$WORK/app
mkdir -p "$APP"
for app in usbpassd usbpassctl; do
    for f in "$PUBLISH/$app"/*; do
        name=$(basename "$f")
        case $name in
            *.dbg | *.pdb) continue ;; # debug symbols: not shipped (a crash still prints its stack to the journal)
        esac
        if [ -e "$APP/$name" ]; then
            cmp -s "$APP/$name" "$f" || die "$name differs between the two publishes: they must come from one 'make publish'"
        else
            cp -a "$f" "$APP/$name"
        fi
    done
done
[ -z "$(find "$APP" -mindepth 1 -type d)" ] || die "unexpected folders in the publish: $(find "$APP" -mindepth 1 -type d)"
find "$APP" -type f -exec strip --strip-unneeded --remove-section=.comment --remove-section=.note {} +
find "$APP" -type f -exec chmod 644 {} +
chmod 755 "$APP/usbpassd" "$APP/usbpassctl"

# --- man pages from --help ----------------------------------------------------------------------
MAN=$WORK/man
mkdir -p "$MAN"
# usbpassctl's page also carries each command's --help (help2man reads only the top level).
{
    echo "[COMMANDS]"
    "$APP/usbpassctl" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' |
        while read -r cmd; do
            echo ".SS \"usbpassctl $cmd\""
            echo ".nf"
            "$APP/usbpassctl" "$cmd" --help | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
            echo ".fi"
        done
    cat "$PKG/man/usbpassctl.1.h2m"
} >"$MAN/usbpassctl.h2m"
help2man --no-info --section=8 --version-string="$UPSTREAM" --include="$PKG/man/usbpassd.8.h2m" \
    --output="$MAN/usbpassd.8" "$APP/usbpassd"
# Its top-level --help without the command list, which the COMMANDS section gives in full.
mkdir -p "$MAN/bin"
printf '#!/bin/sh\n"%s" --help | awk '"'"'/^Commands:/ { exit } { print }'"'"'\n' "$APP/usbpassctl" >"$MAN/bin/usbpassctl"
chmod 755 "$MAN/bin/usbpassctl"
help2man --no-info --section=1 --version-string="$UPSTREAM" --include="$MAN/usbpassctl.h2m" \
    --output="$MAN/usbpassctl.1" "$MAN/bin/usbpassctl"
gzip -9n "$MAN/usbpassd.8" "$MAN/usbpassctl.1"

# --- the installed tree (LIBDIR: /lib on Debian 12, /usr/lib for RPM) -------------------------
stage() { # DEST LIBDIR
    local d=$1 lib=$2
    install -d "$d/usr/lib/usbpassd" "$d/usr/sbin" "$d/usr/bin" "$d/$lib/systemd/system" \
        "$d/$lib/udev/rules.d" "$d/usr/lib/sysusers.d" "$d/usr/lib/tmpfiles.d" \
        "$d/etc/usbpassd/pool.d" "$d/etc/libvirt/hooks/qemu.d" "$d/usr/share/man/man1" "$d/usr/share/man/man8"
    cp -a "$APP/." "$d/usr/lib/usbpassd/"
    # The daemon in sbin (run by systemd, not by users), the operator's tool in bin.
    ln -s ../lib/usbpassd/usbpassd "$d/usr/sbin/usbpassd"
    ln -s ../lib/usbpassd/usbpassctl "$d/usr/bin/usbpassctl"
    install -m 644 "$PKG/systemd/usbpassd.service" "$d/$lib/systemd/system/usbpassd.service"
    install -m 644 "$PKG/systemd/usbpassd.sysusers" "$d/usr/lib/sysusers.d/usbpassd.conf"
    install -m 644 "$PKG/systemd/usbpassd.tmpfiles" "$d/usr/lib/tmpfiles.d/usbpassd.conf"
    install -m 644 "$ROOT/udev-rules/70-usbpassd.rules" "$d/$lib/udev/rules.d/70-usbpassd.rules"
    install -m 644 "$PKG/config/usbpassd.json" "$d/etc/usbpassd/usbpassd.json"
    install -m 644 "$PKG/libvirt/hook.conf" "$d/etc/usbpassd/hook.conf"
    install -m 644 "$PKG/config/policy.rules" "$d/etc/usbpassd/policy.rules"
    install -m 755 "$PKG/libvirt/usbpassd" "$d/etc/libvirt/hooks/qemu.d/usbpassd"
    install -m 644 "$MAN/usbpassctl.1.gz" "$d/usr/share/man/man1/"
    install -m 644 "$MAN/usbpassd.8.gz" "$d/usr/share/man/man8/"
}

# --- Debian ---------------------------------------------------------------------------------------
DEB=$WORK/deb
stage "$DEB" lib
install -d "$DEB/usr/share/doc/usbpassd" "$DEB/DEBIAN"
install -m 644 "$PKG/debian/copyright" "$DEB/usr/share/doc/usbpassd/copyright"
install -D -m 644 "$PKG/debian/lintian-overrides" "$DEB/usr/share/lintian/overrides/usbpassd"
deb_changelog usbpassd "$DEB" "$PKG/debian/control"
install -m 755 "$PKG/debian/postinst" "$PKG/debian/prerm" "$PKG/debian/postrm" "$DEB/DEBIAN/"
(cd "$DEB" && find etc -type f | sed 's|^|/|' | sort) >"$DEB/DEBIAN/conffiles"
size=$(du -sk --apparent-size --exclude=DEBIAN "$DEB" | cut -f1)
DEB_FILE=$OUT/usbpassd_${DEB_VERSION}_amd64.deb
deb_build "$DEB" "$PKG/debian/control" "$DEB_FILE"

# --- RPM ------------------------------------------------------------------------------------------
RPM=$WORK/rpm
stage "$RPM/root" usr/lib
RPM_FILE=$OUT/usbpassd-$UPSTREAM-1.x86_64.rpm
rpm_build x86_64 "$PKG/rpm/usbpassd.spec" usbpassd_stage "$RPM/root" "$OUT" "$RPM_FILE"

# --- lint and sizes -----------------------------------------------------------------------------
lint_and_sizes "$DEB_FILE" "$RPM_FILE" "$PKG/rpm/rpmlint.toml" "findings explained in packaging/README.md"
log "installed size: $size KiB"

# --- the Cockpit page: a package of its own (packaging/cockpit/, built by `make cockpit`) ---------
"$PKG/cockpit/build-cockpit-package.sh" "$VERSION" "$OUT"
