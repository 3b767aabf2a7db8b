#!/usr/bin/env bash
# Packs hone (built from this repo, not editable) and its dependencies into bundled/libs, so the
# .vsix brings a working server to anyone with Python >= 3.11 and no `pip install`.
#
# Native dependencies (libcst, pydantic-core, jiter, pyyaml) ship one extension module per Python
# minor version; their files have distinct names (foo.cpython-312-x86_64-linux-gnu.so), so wheels
# for several versions are merged into one folder, pinned to the versions resolved for the
# building interpreter.  The platform is the build machine's (as Ruff's and the Microsoft
# template's platform-specific builds are).
#
# Env: HONE_BUNDLE_PYTHON (default python3): the interpreter whose pip builds the bundle.
#      HONE_BUNDLE_PY_VERSIONS (default "3.11 3.12 3.13 3.14"): Python versions to add wheels for;
#      a version whose wheels are not all available is skipped with a warning.
set -euo pipefail

client="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$client/.." && pwd)"
py="${HONE_BUNDLE_PYTHON:-python3}"
versions="${HONE_BUNDLE_PY_VERSIONS-3.11 3.12 3.13 3.14}"
work="$client/build/bundle"
libs="$client/bundled/libs"
pip=("$py" -m pip --disable-pip-version-check --no-input --quiet)
export PIP_ROOT_USER_ACTION=ignore

rm -rf "$work" "$libs"
mkdir -p "$work/wheel" "$libs"

"${pip[@]}" wheel --no-deps --wheel-dir "$work/wheel" "$repo"
wheel="$(ls "$work"/wheel/hone-*.whl)"

"${pip[@]}" install --no-compile --no-warn-conflicts --target "$libs" "$wheel"
"$py" -m pip freeze --path "$libs" | grep -v '^hone[=@ ]' > "$work/constraints.txt" || true
own="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

for v in $versions; do
  [ "$v" = "$own" ] && continue
  if "${pip[@]}" install --no-compile --no-warn-conflicts --target "$work/py$v" --python-version "$v" --only-binary=:all: \
      -c "$work/constraints.txt" "$wheel" 2> "$work/py$v.log"; then
    # Add only what is missing (the per-version native modules); shared files are identical.
    cp -rn "$work/py$v/." "$libs/"
  else
    echo "bundle-server: warning: no complete set of wheels for Python $v, skipped ($(tail -1 "$work/py$v.log"))" >&2
  fi
done

# Slimming: console scripts carry the build machine's interpreter path; caches are rebuilt by
# users; libcst's own test suites are dead weight; PyYAML's C accelerator is optional (libcst
# only reads its small config files with it) and falls back to pure Python.
rm -rf "$libs/bin"
find "$libs" -name '__pycache__' -type d -prune -exec rm -rf {} +
find "$libs/libcst" -name 'tests' -type d -prune -exec rm -rf {} +
rm -f "$libs"/yaml/_yaml.cpython-*.so

# Smoke test with the building interpreter: the same check the extension makes.
PYTHONPATH="$libs" PYTHONNOUSERSITE=1 "$py" -c 'import hone, pygls, lsprotocol, libcst.native, pydantic_core; print("bundled hone", hone.__version__)'
echo "bundle-server: $(du -sh "$libs" | cut -f1) in $libs (Python $own + ${versions// /, })"
