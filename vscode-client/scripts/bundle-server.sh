#!/usr/bin/env bash
# Packs hone (built from this repo, not editable) and its dependencies into bundled/libs, so the
# .vsix brings a working server to anyone with Python >= 3.11 and no `pip install`.
#
# Native dependencies (libcst, pydantic-core, jiter) ship one extension module per Python minor
# version; their files have distinct names (native.cpython-312-x86_64-linux-gnu.so), so wheels for
# several versions are merged into one folder, pinned to the versions resolved for the building
# interpreter.  The platform is the build machine's (as Ruff's and the Microsoft template's
# platform-specific builds are).
#
# The dependencies are cached (keyed by pyproject's dependency list, the Python versions and this
# script) so that repackaging after a change to hone takes seconds, not a round of downloads.
#
# Env: HONE_BUNDLE_PYTHON (default python3): the interpreter whose pip builds the bundle.
#      HONE_BUNDLE_PY_VERSIONS (default "3.11 3.12 3.13 3.14"): Python versions to add wheels for;
#      a version whose wheels are not all available is skipped with a warning.
#      HONE_BUNDLE_CACHE: the dependency cache (default $HONE_VSCODE_TOOLS/bundle-deps, itself
#      defaulting to ~/.cache/hone-vscode-tools).
set -euo pipefail

client="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$client/.." && pwd)"
py="${HONE_BUNDLE_PYTHON:-python3}"
versions="${HONE_BUNDLE_PY_VERSIONS-3.11 3.12 3.13 3.14}"
cache_root="${HONE_BUNDLE_CACHE:-${HONE_VSCODE_TOOLS:-$HOME/.cache/hone-vscode-tools}/bundle-deps}"
work="$client/build/bundle"
libs="$client/bundled/libs"
export PIP_ROOT_USER_ACTION=ignore
pip=("$py" -m pip --disable-pip-version-check --no-input --quiet)

rm -rf "$work" "$libs"
mkdir -p "$work/wheel" "$libs" "$cache_root"

# 1. hone's wheel, from a clean copy (an in-tree setuptools build reuses a stale build/ folder).
mkdir -p "$work/src"
cp "$repo/pyproject.toml" "$repo/README.md" "$work/src/"
tar -C "$repo" --exclude='__pycache__' --exclude='*.egg-info' -cf - server | tar -C "$work/src" -xf -
# (no isolated build env, which downloads setuptools each time, when a recent one is at hand)
isolation=()
"$py" -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 69)' 2> /dev/null \
  && isolation=(--no-build-isolation)
"${pip[@]}" wheel --no-deps "${isolation[@]}" --wheel-dir "$work/wheel" "$work/src" 2> "$work/wheel.log" \
  || { cat "$work/wheel.log" >&2; exit 1; }
wheel="$(ls "$work"/wheel/hone-*.whl)"

# 2. The dependencies for every Python version, from the cache or built into it.
own="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
key="$("$py" - "$repo/pyproject.toml" "$own $versions" "$0" <<'PY'
import hashlib, json, sys, tomllib
deps = tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]
text = json.dumps([deps, sys.argv[2], open(sys.argv[3], encoding="utf-8").read()])
print(hashlib.sha256(text.encode()).hexdigest()[:16])
PY
)"
deps="$cache_root/$key"
if [ ! -f "$deps/.complete" ]; then
  echo "bundle-server: resolving dependencies for Python $own $versions (cache $deps)"
  rm -rf "$deps" "$deps.tmp"
  mkdir -p "$deps.tmp/libs"
  "${pip[@]}" install --no-compile --no-warn-conflicts --target "$deps.tmp/libs" "$wheel"
  "$py" -m pip freeze --path "$deps.tmp/libs" | grep -v '^hone[=@ ]' > "$deps.tmp/constraints.txt" || true
  for v in $versions; do
    [ "$v" = "$own" ] && continue
    if "${pip[@]}" install --no-compile --no-warn-conflicts --target "$deps.tmp/py$v" --python-version "$v" \
        --only-binary=:all: -c "$deps.tmp/constraints.txt" "$wheel" 2> "$deps.tmp/py$v.log"; then
      # Add only what is missing (the per-version native modules); shared files are identical.
      cp -rn "$deps.tmp/py$v/." "$deps.tmp/libs/"
    else
      echo "bundle-server: warning: no complete set of wheels for Python $v, skipped ($(tail -1 "$deps.tmp/py$v.log"))" >&2
    fi
    rm -rf "$deps.tmp/py$v"
  done
  rm -rf "$deps.tmp/libs/hone" "$deps.tmp/libs"/hone-*.dist-info "$deps.tmp/libs/bin"
  mv "$deps.tmp" "$deps"
  touch "$deps/.complete"
fi
cp -a "$deps/libs/." "$libs/"
"${pip[@]}" install --no-compile --no-deps --no-warn-conflicts --target "$libs" "$wheel"

# 3. Slimming: console scripts carry the build machine's interpreter path; caches are rebuilt by
# users; libcst's own test suites are dead weight; PyYAML's C accelerator is optional (libcst only
# reads its small config files with it) and falls back to pure Python.
rm -rf "$libs/bin"
find "$libs" -name '__pycache__' -type d -prune -exec rm -rf {} +
find "$libs/libcst" -name 'tests' -type d -prune -exec rm -rf {} +
rm -f "$libs"/yaml/_yaml.cpython-*.so

# 4. Smoke test with the building interpreter: the same imports the extension's probe checks.
PYTHONPATH="$libs" PYTHONNOUSERSITE=1 "$py" -c 'import hone, pygls, lsprotocol, libcst.native, pydantic_core; print("bundled hone", hone.__version__)'
echo "bundle-server: $(du -sh "$libs" | cut -f1) in $libs (native modules for: $(ls "$libs"/pydantic_core/*.so | sed -E 's/.*cpython-([0-9])([0-9]+).*/\1.\2/' | tr '\n' ' '))"
