"""The one OS sandbox every execution of workspace or model code goes through.

    from hone.sandbox import Policy, Limits, availability, launch
    box = await launch([python, "-c", "print(1)"], Policy(readable=(folder,)))
    result = await box.wait()

Linux: bubblewrap (new user, PID, network, IPC and UTS namespaces, a new session, dies with the
server; a minimal read-only filesystem with a private temp folder; an allow-listed environment;
rlimits).  Elsewhere :func:`availability` says no, and :func:`launch` raises
:class:`SandboxUnavailable`.  See :mod:`hone.sandbox.process` for the process side and
:mod:`hone.sandbox.mounts` for what a sandbox sees.
"""

from hone.sandbox.bwrap import Availability, SandboxUnavailable, availability
from hone.sandbox.mounts import UnsafeBind, interpreter_paths
from hone.sandbox.policy import Limits, Policy, filter_env, run_policy, verify_policy
from hone.sandbox.process import Result, Sandboxed, cpu_limit_for, launch

__all__ = [
    "Availability",
    "Limits",
    "Policy",
    "Result",
    "SandboxUnavailable",
    "Sandboxed",
    "UnsafeBind",
    "availability",
    "cpu_limit_for",
    "filter_env",
    "interpreter_paths",
    "launch",
    "run_policy",
    "verify_policy",
]
