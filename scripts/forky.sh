#!/usr/bin/env bash
# CPython 3.14 and 3.15 for the test suite: Debian forky's binary packages (python3.14,
# python3.15, with -venv and -dev) need a newer C library than this machine's, so they run in a
# forky chroot made with debootstrap. Needs root (CI runs as root).
#
#   scripts/forky.sh test VERSION [pytest args...]   build ferrocov for CPython VERSION inside
#                                                    the chroot and run the test suite there
#   scripts/forky.sh bench VERSION [bench args...]   bench/run.sh inside the chroot
#   scripts/forky.sh shell                           a shell inside, for a person
#   scripts/forky.sh exec COMMAND...                 run one command inside (in the repository)
#   scripts/forky.sh setup                           build the chroot now (test and bench do it too)
#   scripts/forky.sh why-not                         print why the chroot can't be had here, if so
#
# The chroot is built once and reused (FERROCOV_FORKY_DIR, default /var/tmp/ferrocov-forky);
# the repository is bind-mounted at /ferrocov inside, Rust's toolchain at /root/.cargo and
# /root/.rustup. Every bind mount is undone when the command ends. Exit status 3 means "can't
# be tested here" (the reason is printed), so that callers can say NOT TESTED out loud.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
forky=${FERROCOV_FORKY_DIR:-/var/tmp/ferrocov-forky}
# Bump when the package list changes: a chroot made from an older recipe is made again.
# libpython3.X-testsuite: Python's own test package, which Debian ships apart (the standard
# library differential covers every file, and the real-code test runs stdlib test suites).
recipe="forky-2 python3.14 python3.15 venv dev testsuite gcc libc6-dev ca-certificates mount lcov libxml2-utils"
packages=python3.14,python3.14-venv,python3.14-dev,libpython3.14-testsuite,python3.15,python3.15-venv,python3.15-dev,libpython3.15-testsuite,gcc,libc6-dev,ca-certificates,mount,lcov,libxml2-utils
# The Debian mirror: FERROCOV_DEBIAN_MIRROR, else the one this machine's apt uses for Debian's
# main archive (deb822 .sources files, then one-line .list files, as apt reads them; the
# security and update archives are not mirrors of it), else deb.debian.org.
debian_main() { # debian_main URI...: print the first that is Debian's main archive
    local uri
    for uri in "$@"; do
        case $uri in
            *debian-security*|*debian-ports*|*debian-debug*) ;;
            http://*/debian|https://*/debian|http://*/debian/|https://*/debian/) echo "${uri%/}"; return 0 ;;
        esac
    done
    return 1
}
apt_mirror() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        debian_main $(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$file") && return
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        debian_main $(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }' "$file") && return
    done
    echo http://deb.debian.org/debian
}
mirror=${FERROCOV_DEBIAN_MIRROR:-$(apt_mirror)}
NOT_POSSIBLE=3

why_not() {
    [ "$(uname -s)" = Linux ] || { echo "not Linux"; return; }
    [ "$(id -u)" = 0 ] || { echo "needs root for debootstrap, chroot and bind mounts"; return; }
    command -v cargo >/dev/null 2>&1 || { echo "no Rust toolchain (cargo) to bind into the chroot"; return; }
    if ! command -v debootstrap >/dev/null 2>&1; then
        if command -v apt-get >/dev/null 2>&1; then
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap) >/dev/null 2>&1 || true
        fi
        command -v debootstrap >/dev/null 2>&1 || { echo "debootstrap is not installed and could not be installed"; return; }
    fi
    [ -e /usr/share/debootstrap/scripts/sid ] || { echo "this debootstrap has no sid script"; return; }
}

mounted=()

mount_into() { # mount_into SOURCE TARGET [mount options...]
    local source=$1 target=$2
    shift 2
    mkdir -p "$target"
    if ! mountpoint -q "$target"; then
        mount "$@" "$source" "$target"
        mounted=("$target" "${mounted[@]}")
    fi
}

unmount_all() {
    local target
    for target in "${mounted[@]}"; do
        umount -l "$target" 2>/dev/null || true
    done
    mounted=()
}

# Undo leftovers of an earlier run that was killed (they would make rm -rf dangerous).
unmount_leftovers() {
    local target
    for target in $(awk -v p="$forky/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount -l "$target" 2>/dev/null || true
    done
}

setup() {
    if [ -f "$forky/.ferrocov-recipe" ] && [ "$(cat "$forky/.ferrocov-recipe")" = "$recipe" ]; then
        return
    fi
    echo "== forky chroot: debootstrap into $forky (a few minutes, once per machine)" >&2
    unmount_leftovers
    if [ -d "$forky" ]; then
        rm -rf --one-file-system "$forky"
    fi
    mkdir -p "$forky"
    local log
    log=$(mktemp)
    if ! debootstrap --variant=minbase --include="$packages" forky "$forky" "$mirror" /usr/share/debootstrap/scripts/sid >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        echo "debootstrap of forky failed" >&2
        return 1
    fi
    rm -f "$log"
    echo "$recipe" >"$forky/.ferrocov-recipe"
}

enter() {
    trap unmount_all EXIT
    mount_into proc "$forky/proc" -t proc
    mount_into /sys "$forky/sys" --rbind
    mount_into /dev "$forky/dev" --bind
    mount_into /dev/pts "$forky/dev/pts" --bind
    mount_into tmpfs "$forky/dev/shm" -t tmpfs
    mount_into "${CARGO_HOME:-$HOME/.cargo}" "$forky/root/.cargo" --bind
    mount_into "${RUSTUP_HOME:-$HOME/.rustup}" "$forky/root/.rustup" --bind
    # The repository of this run: a mount left behind by a killed run (of this checkout or of
    # another, since deleted) would otherwise be taken as it is.
    if mountpoint -q "$forky/ferrocov"; then
        umount -l "$forky/ferrocov" 2>/dev/null || true
    fi
    mount_into "$root" "$forky/ferrocov" --bind
    if [ -d /opt/wheels ]; then
        mount_into /opt/wheels "$forky/opt/wheels" --bind -o ro
    fi
    # The network as this machine sees it: name resolution, the CA bundle (a proxy may sign
    # with its own authority), pip's configuration.
    cp /etc/resolv.conf "$forky/etc/resolv.conf" 2>/dev/null || true
    local file
    for file in /etc/ssl/certs/ca-certificates.crt /etc/pip.conf; do
        if [ -f "$file" ]; then
            mkdir -p "$forky$(dirname "$file")"
            cp "$file" "$forky$file"
        fi
    done
}

# Environment variables passed into the chroot: proxies, CA bundles, pip's settings.
passed_environment() {
    env | grep -E '^(FERROCOV_REPEAT|PIP_[A-Z_]*|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|CARGO_HTTP_CAINFO|CARGO_NET_[A-Z_]*|[Hh][Tt][Tt][Pp][Ss]?_[Pp][Rr][Oo][Xx][Yy]|[Nn][Oo]_[Pp][Rr][Oo][Xx][Yy])=' || true
}

inside() { # inside COMMAND...: run in the chroot, in the repository
    local passed=()
    mapfile -t passed < <(passed_environment)
    chroot "$forky" /usr/bin/env -i "${passed[@]}" HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
        PATH=/root/.cargo/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
        CARGO_TARGET_DIR=/ferrocov/target/forky \
        bash -c 'cd /ferrocov && "$@"' inside "$@"
}

# The chroot builds into target/forky, not target/: its build scripts are linked against forky's
# newer C library and would not run on this machine. When target/forky does not exist yet it
# starts as a copy of what this machine has built (build scripts from here run inside, the C
# library being newer there): only PyO3 and ferrocov's own crates are compiled again, about 25 s
# instead of some 5 minutes for every dependency.
seed_target() {
    [ ! -e "$root/target/forky" ] || return 0
    local profile
    rm -rf "$root/target/forky.seeding"
    for profile in release debug; do
        if [ -d "$root/target/$profile" ]; then
            mkdir -p "$root/target/forky.seeding"
            cp -a "$root/target/$profile" "$root/target/forky.seeding/" || { rm -rf "$root/target/forky.seeding"; return 0; }
        fi
    done
    [ ! -d "$root/target/forky.seeding" ] || mv "$root/target/forky.seeding" "$root/target/forky"
}

command=${1:-}
shift || true
case "$command" in
    why-not)
        reason=$(why_not)
        [ -z "$reason" ] || { echo "$reason"; exit $NOT_POSSIBLE; }
        ;;
    setup)
        reason=$(why_not)
        [ -z "$reason" ] || { echo "$reason" >&2; exit $NOT_POSSIBLE; }
        setup || exit $NOT_POSSIBLE
        ;;
    test | bench | shell | exec)
        reason=$(why_not)
        if [ -n "$reason" ]; then
            echo "== CPython ${1:-3.14/3.15}: NOT TESTED ($reason)" >&2
            exit $NOT_POSSIBLE
        fi
        if ! setup; then
            echo "== CPython ${1:-3.14/3.15}: NOT TESTED (the forky chroot could not be built)" >&2
            exit $NOT_POSSIBLE
        fi
        seed_target
        enter
        case "$command" in
            shell) inside bash ;;
            exec) inside "$@" ;;
            test)
                version=${1:?version}
                shift
                inside bash scripts/test-one.sh "/usr/bin/python$version" "/opt/venv-test-$version" "$@"
                ;;
            bench)
                version=${1:?version}
                shift
                inside bash bench/run.sh "/usr/bin/python$version" "$@"
                ;;
        esac
        ;;
    *)
        sed -n '2,18p' "$0"
        exit 2
        ;;
esac
