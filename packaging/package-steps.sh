# The steps both package scripts share (build-packages.sh and cockpit/build-cockpit-package.sh source
# this): the Debian changelog, a staged tree made a .deb, a staged tree made an .rpm, lint and sizes.
# They use the caller's ROOT, UPSTREAM, DEB_VERSION, SOURCE_DATE_EPOCH, log and die.

deb_changelog() { # PACKAGE DEBROOT CONTROL
    local doc=$2/usr/share/doc/$1
    install -d "$doc"
    {
        printf '%s (%s) unstable; urgency=medium\n\n' "$1" "$DEB_VERSION"
        printf '  * Built from UsbPassd %s.\n\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "$UPSTREAM")"
        printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' "$3")" "$(date -R -d "@$SOURCE_DATE_EPOCH")"
    } | gzip -9n >"$doc/changelog.Debian.gz"
    chmod 644 "$doc/changelog.Debian.gz"
}

# The control file with its version and installed size, md5sums, modes and reproducible times, then dpkg-deb.
deb_build() { # DEBROOT CONTROL DEB_FILE
    local size
    size=$(du -sk --apparent-size --exclude=DEBIAN "$1" | cut -f1)
    sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@INSTALLED_SIZE@/$size/" "$2" >"$1/DEBIAN/control"
    (cd "$1" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$1/DEBIAN/md5sums"
    chmod 644 "$1/DEBIAN/control" "$1/DEBIAN/md5sums"
    [ ! -f "$1/DEBIAN/conffiles" ] || chmod 644 "$1/DEBIAN/conffiles"
    find "$1" -type d -exec chmod 755 {} +
    find "$1" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    dpkg-deb --root-owner-group -Zxz --build "$1" "$3" >/dev/null
    log "built $3"
}

# Reproducible rpmbuild of a spec that takes its staged tree from the macro STAGE_MACRO.
rpm_build() { # ARCH SPEC STAGE_MACRO STAGE RPMDIR RPM_FILE
    rpmbuild -bb --quiet --target "$1" \
        --define "_topdir $(dirname "$4")/top" --define "_rpmdir $5" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
        --define "usbpassd_version $UPSTREAM" --define "$3 $4" \
        --define "_source_date_epoch_from_changelog 0" --define "use_source_date_epoch_as_buildtime 1" \
        --define "_buildhost usbpassd" --define "_binary_payload w6.xzdio" \
        "$2" 2>&1 | grep -v '^warning: Could not canonicalize hostname' >&2 || true
    [ -f "$6" ] || die "rpmbuild did not write $6"
    log "built $6"
}

lint_and_sizes() { # DEB_FILE RPM_FILE RPMLINT_CONF WHERE_EXPLAINED
    if command -v lintian >/dev/null; then
        log "lintian${4:+ ($4)}:"
        lintian --display-info --show-overrides "$1" >&2 || true
    fi
    if command -v rpmlint >/dev/null; then
        log "rpmlint${4:+ ($4)}:"
        rpmlint -c "$3" "$2" >&2 || true
    fi
    local f
    for f in "$1" "$2"; do
        log "$(basename "$f"): $(du -k --apparent-size "$f" | cut -f1) KiB"
    done
}
