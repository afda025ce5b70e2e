#!/usr/bin/env bash
# Release artifacts into dist/: the sdist, and one manylinux wheel per CPython version this
# machine has (3.10-3.13 from pyenv; 3.14/3.15 inside the forky chroot when root). Wheels are
# linked with zig (`maturin --zig`, ziglang from PyPI) against glibc 2.17, so pip accepts them
# from an index on any manylinux2014 system, and stripped (Cargo's release profile).
#   scripts/release.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dist="$root/dist"
mkdir -p "$dist"
tools="$root/.venv-release"
if [ ! -x "$tools/bin/python" ]; then
    python3 -m venv "$tools"
fi
"$tools/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.5,<2" "ziglang>=0.13"
# maturin finds zig as `python3 -m ziglang`: the tools' Python first on PATH.
export PATH="$tools/bin:$PATH"
"$tools/bin/maturin" sdist -o "$dist"
for version in 3.10 3.11 3.12 3.13; do
    for candidate in "$(pyenv root 2>/dev/null)"/versions/"$version".*/bin/python; do
        if [ -x "$candidate" ]; then
            "$tools/bin/maturin" build --release --zig --compatibility manylinux2014 -i "$candidate" -o "$dist"
            break
        fi
    done
done
if bash scripts/forky.sh why-not >/dev/null 2>&1; then
    for version in 3.14 3.15; do
        bash scripts/forky.sh exec bash -c "python$version -m venv /opt/venv-release-$version >/dev/null && /opt/venv-release-$version/bin/pip install -q maturin ziglang && PATH=/opt/venv-release-$version/bin:\$PATH /opt/venv-release-$version/bin/maturin build --release --zig --compatibility manylinux2014 -i /usr/bin/python$version -o dist"
    done
else
    echo "== CPython 3.14/3.15 wheels: NOT BUILT ($(bash scripts/forky.sh why-not 2>&1 || true))" >&2
fi
ls -l "$dist"
