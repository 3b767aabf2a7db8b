#!/usr/bin/env bash
# Builds one .vsix per VS Code platform, each with the hone server and its native dependencies
# for that platform only (libcst, pydantic-core and jiter are compiled per platform):
#
#   npm run package                   # all four -> dist/hone-<target>.vsix
#   npm run package -- linux-x64      # just these targets
#
# Targets: linux-x64 linux-arm64 darwin-arm64 win32-x64: the platforms libcst (>= 1.9, which hone
# needs) ships wheels for; it has none for Intel macOS (darwin-x64).
# VS Code picks the right one from the Marketplace; from a file, install yours:
# `code --install-extension dist/hone-linux-x64.vsix`.
set -euo pipefail
client="$(cd "$(dirname "$0")/.." && pwd)"
cd "$client"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(linux-x64 linux-arm64 darwin-arm64 win32-x64)
fi
npm run build --silent
mkdir -p dist
for target in "${targets[@]}"; do
  bash scripts/bundle-server.sh "$target"
  rm -f "dist/hone-$target.vsix"
  "$client/node_modules/.bin/vsce" package --no-dependencies --allow-missing-repository \
    --target "$target" -o "dist/hone-$target.vsix"
  echo "package: dist/hone-$target.vsix ($(du -h "dist/hone-$target.vsix" | cut -f1))"
done
