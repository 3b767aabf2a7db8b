"""Reads the bundled dependencies archive (vscode-client/scripts/pack-libs.mjs) in tests: brotli
over a 4-byte length, a JSON index and the files' bytes. Python has no brotli module, so Node
decompresses."""

from __future__ import annotations

import json
import shutil
import subprocess


def read_pack(data: bytes) -> dict[str, int]:
    """Relative path -> size of every file in the archive."""
    node = shutil.which("node")
    assert node, "node is needed to read the bundled archive"
    script = (
        "const z=require('zlib');const b=z.brotliDecompressSync(require('fs').readFileSync(0));"
        "process.stdout.write(b.subarray(4,4+b.readUInt32BE(0)))"
    )
    out = subprocess.run([node, "-e", script], input=data, capture_output=True, check=True)
    return {e["p"]: e["s"] for e in json.loads(out.stdout)}
