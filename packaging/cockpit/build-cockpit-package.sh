#!/bin/bash
# Builds usbpassd-cockpit_<version>_all.deb and usbpassd-cockpit-<version>-1.noarch.rpm from the
# page `make cockpit` built (build/cockpit/usbpassd). Called by packaging/build-packages.sh.
#
#   packaging/cockpit/build-cockpit-package.sh VERSION OUTDIR
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
VERSION=$1
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PKG=$ROOT/packaging/cockpit
PAGE=$ROOT/build/cockpit/usbpassd
WORK=$ROOT/build/packages-work/cockpit
DEB_VERSION=$VERSION
[[ $VERSION == *-* ]] || DEB_VERSION=$VERSION-1
UPSTREAM=${VERSION%%-*}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}
export TZ=UTC LC_ALL=C.UTF-8

log() { echo "build-cockpit-package: $*" >&2; }
die() { echo "build-cockpit-package: ERROR: $*" >&2; exit 1; }
. "$ROOT/packaging/package-steps.sh"

for f in manifest.json index.html usbpassd.js usbpassd.css; do
    [ -f "$PAGE/$f" ] || die "$PAGE/$f is missing: run 'make cockpit' first"
done
rm -rf "$WORK"
stage() { # DEST
    install -d "$1/usr/share/cockpit/usbpassd" "$1/usr/share/doc/usbpassd-cockpit"
    install -m 644 "$PAGE"/{manifest.json,index.html,usbpassd.js,usbpassd.css} "$1/usr/share/cockpit/usbpassd/"
    install -m 644 "$PKG/copyright" "$1/usr/share/doc/usbpassd-cockpit/copyright"
}
# --- Debian ---
DEB=$WORK/deb
stage "$DEB"
install -d "$DEB/DEBIAN"
install -D -m 644 "$PKG/lintian-overrides" "$DEB/usr/share/lintian/overrides/usbpassd-cockpit"
deb_changelog usbpassd-cockpit "$DEB" "$PKG/control"
DEB_FILE=$OUT/usbpassd-cockpit_${DEB_VERSION}_all.deb
deb_build "$DEB" "$PKG/control" "$DEB_FILE"

# --- RPM ---
RPM=$WORK/rpm
stage "$RPM/root"
RPM_FILE=$OUT/usbpassd-cockpit-$UPSTREAM-1.noarch.rpm
rpm_build noarch "$PKG/usbpassd-cockpit.spec" usbpassd_cockpit_stage "$RPM/root" "$OUT" "$RPM_FILE"

lint_and_sizes "$DEB_FILE" "$RPM_FILE" "$PKG/rpmlint.toml"
