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

# --- Debian ---
DEB=$WORK/deb
stage "$DEB"
install -d "$DEB/DEBIAN"
install -D -m 644 "$PKG/lintian-overrides" "$DEB/usr/share/lintian/overrides/usbpassd-cockpit"
{
    printf 'usbpassd-cockpit (%s) unstable; urgency=medium\n\n' "$DEB_VERSION"
    printf '  * Built from UsbPassd %s.\n\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "$UPSTREAM")"
    printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' "$PKG/control")" "$(date -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$DEB/usr/share/doc/usbpassd-cockpit/changelog.Debian.gz"
chmod 644 "$DEB/usr/share/doc/usbpassd-cockpit/changelog.Debian.gz"
size=$(du -sk --apparent-size --exclude=DEBIAN "$DEB" | cut -f1)
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@INSTALLED_SIZE@/$size/" "$PKG/control" >"$DEB/DEBIAN/control"
(cd "$DEB" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$DEB/DEBIAN/md5sums"
chmod 644 "$DEB/DEBIAN/control" "$DEB/DEBIAN/md5sums"
find "$DEB" -type d -exec chmod 755 {} +
find "$DEB" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
DEB_FILE=$OUT/usbpassd-cockpit_${DEB_VERSION}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$DEB" "$DEB_FILE" >/dev/null
log "built $DEB_FILE"

# --- RPM ---
RPM=$WORK/rpm
stage "$RPM/root"
rpmbuild -bb --quiet --target noarch \
    --define "_topdir $RPM/top" --define "_rpmdir $OUT" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
    --define "usbpassd_version $UPSTREAM" --define "usbpassd_cockpit_stage $RPM/root" \
    --define "_source_date_epoch_from_changelog 0" --define "use_source_date_epoch_as_buildtime 1" \
    --define "_buildhost usbpassd" --define "_binary_payload w6.xzdio" \
    "$PKG/usbpassd-cockpit.spec" 2>&1 | grep -v '^warning: Could not canonicalize hostname' >&2 || true
RPM_FILE=$OUT/usbpassd-cockpit-$UPSTREAM-1.noarch.rpm
[ -f "$RPM_FILE" ] || die "rpmbuild did not write $RPM_FILE"
log "built $RPM_FILE"

if command -v lintian >/dev/null; then
    log "lintian:"
    lintian --display-info --show-overrides "$DEB_FILE" >&2 || true
fi
if command -v rpmlint >/dev/null; then
    log "rpmlint:"
    rpmlint -c "$PKG/rpmlint.toml" "$RPM_FILE" >&2 || true
fi
for f in "$DEB_FILE" "$RPM_FILE"; do
    log "$(basename "$f"): $(du -k --apparent-size "$f" | cut -f1) KiB"
done
