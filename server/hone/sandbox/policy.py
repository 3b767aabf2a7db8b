"""What a sandboxed process may see and use: :class:`Limits`, :class:`Policy` and the
environment allow-list.

A policy only *adds* to the minimal sandbox (see :mod:`hone.sandbox.mounts`): extra read-only
folders, extra writable folders, the network.  Nothing in a workspace chooses a policy; hone's
own code and user-level settings do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class Limits:
    """Per-sandbox limits; 0 means no limit for the CPU, memory and file-size ones."""

    wall_seconds: float = 30.0
    cpu_seconds: int = 30
    memory_mb: int = 2048  # RLIMIT_AS
    max_processes: int = 64  # RLIMIT_NPROC (per sandbox user namespace), or a pids cgroup as root
    max_open_files: int = 256
    max_file_size_mb: int = 64
    max_output_kb: float = 1024  # stdout+stderr captured by the server, capped while streaming


_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Policy:
    network: bool = False  # False: a new, empty network namespace
    writable: tuple[Path, ...] = ()  # bound read-write besides the private temp folder
    readable: tuple[Path, ...] = ()  # extra read-only binds (workspace, module folder, ...)
    env: Mapping[str, str] = field(default_factory=dict, hash=False)  # filtered by the allow-list
    cwd: Path | None = None
    limits: Limits = field(default_factory=Limits)


# Variables a program may receive.  Everything else (API keys, tokens, HONE_*, PYTHONPATH,
# PYTHONSTARTUP, LD_PRELOAD, ...) never crosses into a sandbox, whoever asks.
ALLOWED_ENV = frozenset(
    {
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "PYTHONHASHSEED",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONWARNINGS",
        "PYTHONDEVMODE",
        "PYTHONFAULTHANDLER",
        "PYTHONUNBUFFERED",
        "PYTHONSAFEPATH",
        "PYTHONINTMAXSTRDIGITS",
    }
)
ALLOWED_ENV_PREFIXES = ("LC_",)


def allowed_env_name(name: str) -> bool:
    return name in ALLOWED_ENV or name.startswith(ALLOWED_ENV_PREFIXES)


def filter_env(env: Mapping[str, str]) -> dict[str, str]:
    """The allow-listed part of ``env``."""
    return {k: v for k, v in env.items() if allowed_env_name(k) and "\0" not in k + v}


def verify_policy(
    readable: tuple[Path, ...] = (), limits: Limits | None = None, cwd: Path | None = None
) -> Policy:
    """Verification: no network, nothing writable but the sandbox's own temp folder."""
    return Policy(network=False, readable=readable, cwd=cwd, limits=limits or Limits())


def run_policy(
    workspace: Path,
    *,
    network: bool = True,
    write_workspace: bool = True,
    readable: tuple[Path, ...] = (),
    writable: tuple[Path, ...] = (),
    env: Mapping[str, str] = _EMPTY,
    limits: Limits | None = None,
    cwd: Path | None = None,
) -> Policy:
    """Run with timing (the user's explicit request to run their own program): the same
    containment of processes and secrets as verification; the workspace writable and the
    network allowed unless the user-level settings ``run.writeWorkspace`` / ``run.network``
    turn them off."""
    if write_workspace:
        writable = (workspace, *writable)
    else:
        readable = (workspace, *readable)
    return Policy(
        network=network,
        writable=writable,
        readable=readable,
        env=env,
        cwd=cwd or workspace,
        limits=limits or Limits(),
    )
