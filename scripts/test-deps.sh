#!/usr/bin/env bash
# What the test suite needs from the system, beyond Python packages: a headless Chromium and
# its driver (the HTML report is checked in a browser), lcov's genhtml and libxml2's xmllint
# (the LCOV and XML reports are checked by the tools that read them), debootstrap (CPython
# 3.14/3.15 in a chroot). Installed from Debian's packages when missing, as root or with sudo;
# otherwise the tests that need them say so when they skip.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v genhtml >/dev/null 2>&1 || missing+=(lcov)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
[ "${#missing[@]}" -gt 0 ] || exit 0
command -v apt-get >/dev/null 2>&1 || { echo "== not a Debian system: can't install ${missing[*]}; tests that need them will skip" >&2; exit 0; }
if [ "$(id -u)" = 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
    echo "== not root: can't install ${missing[*]}; tests that need them will skip" >&2
    exit 0
fi
echo "== apt-get install ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
