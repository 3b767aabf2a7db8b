"""The filesystem and environment a sandboxed process sees, as ``bwrap`` arguments.

Minimal and read-only: ``/usr`` and the ``/lib*``, ``/bin``, ``/sbin`` links or folders, a few
``/etc`` files a program needs to start (the dynamic loader's cache, time zone, name service,
certificates), a fresh ``/proc`` of the sandbox's own PID namespace, a minimal ``/dev``, the
interpreter's prefixes and the policy's folders.  Never ``$HOME``, ``/root``, the host's
``/proc`` or the rest of ``/etc``: what is not bound does not exist inside, whatever the uid (CI
runs as root, and root inside a user namespace still passes permission checks on root's files).
The root itself is remounted read-only at the end.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hone.sandbox.policy import Policy, filter_env

_TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/resolv.conf",
    "/etc/protocols",
    "/etc/services",
    "/etc/mime.types",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/alternatives",  # /usr/bin links point here on Debian
    "/etc/python3",
)
# Folders that a policy may never expose: the secrets live there (or under them).
_NEVER = ("/", "/etc", "/proc", "/sys", "/dev", "/root", "/run", "/var", "/boot", "/home")


class UnsafeBind(ValueError):
    """A policy asked to expose a folder that holds secrets (the message says which)."""


def system_binds() -> list[str]:
    """The minimal root filesystem (also used by the availability probe)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in _TOP_LEVEL:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in _ETC:
        args += ["--ro-bind-try", path, path]
    args += ["--proc", "/proc", "--dev", "/dev"]
    return args


def _home() -> Path | None:
    home = os.environ.get("HOME")
    return Path(home).resolve() if home else None


def check_bind(path: Path) -> Path:
    """``path`` made absolute, or :class:`UnsafeBind` when it would expose a home folder or a
    system secret store (a workspace opened at ``~`` is refused rather than leaking ``~/.ssh``)."""
    absolute = Path(os.path.abspath(path))
    resolved = absolute.resolve()
    home = _home()
    for candidate in {absolute, resolved}:
        if str(candidate) in _NEVER:
            raise UnsafeBind(f"{candidate} cannot be exposed to a sandbox")
        if home is not None and (candidate == home or candidate in home.parents):
            raise UnsafeBind(
                f"{candidate} holds the home folder: it cannot be exposed to a sandbox"
            )
    return absolute


def interpreter_paths(python: str) -> tuple[Path, ...]:
    """Read-only folders an interpreter needs, found without running it (a workspace's
    ``.venv/bin/python`` is not trusted): its venv, the venv's base installation, its prefix."""
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        found = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    else:
        found = set()
        exe = Path(os.path.abspath(python))
        for candidate in (exe, Path(os.path.realpath(exe))):
            if candidate.parent.name in ("bin", "Scripts"):
                found.add(candidate.parent.parent)
            cfg = candidate.parent.parent / "pyvenv.cfg"
            if cfg.is_file():
                for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
                    key, _, value = line.partition("=")
                    if key.strip() == "home" and value.strip():
                        home = Path(value.strip())
                        found.add(home.parent if home.name in ("bin", "Scripts") else home)
    return tuple(sorted(p for p in found if not str(p).startswith("/usr")))


def filesystem(policy: Policy, tmp: Path, extra_readable: Sequence[Path] = ()) -> list[str]:
    """``bwrap`` arguments for the policy's filesystem; raises :class:`UnsafeBind`."""
    args = system_binds()
    writable = [check_bind(p) for p in policy.writable]
    binds: list[tuple[Path, str]] = [(p, "--bind") for p in writable]
    binds.append((tmp, "--bind"))
    for path in (*extra_readable, *policy.readable):
        absolute = check_bind(path)
        # what lies in a writable folder is writable: a read-only bind would cut a hole in it
        if not any(absolute == w or w in absolute.parents for w in writable):
            binds.append((absolute, "--ro-bind"))
    # parents before children, so a read-only folder inside a writable one stays read-only
    binds.sort(key=lambda b: (len(b[0].parts), b[1] == "--bind"))
    for path, how in binds:
        args += [how, str(path), str(path)]
    args += ["--remount-ro", "/"]
    cwd = policy.cwd if policy.cwd is not None else tmp
    args += ["--chdir", str(cwd)]
    return args


def environment(policy: Policy, tmp: Path, argv0: str) -> dict[str, str]:
    """The allow-listed environment (the server's own variables and the policy's), plus the
    sandbox's own PATH, HOME and TMPDIR."""
    env = filter_env(os.environ)
    env.update(filter_env(policy.env))
    env.setdefault("LANG", "C.UTF-8")
    path = ["/usr/local/bin", "/usr/bin", "/bin"]
    if os.path.isabs(argv0):
        path.insert(0, os.path.dirname(argv0))
    env["PATH"] = os.pathsep.join(dict.fromkeys(path))
    for name in ("HOME", "TMPDIR", "TMP", "TEMP"):
        env[name] = str(tmp)
    return env
