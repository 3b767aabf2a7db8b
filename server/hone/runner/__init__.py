"""Run with timing: a sandboxed child process, a low-overhead profiler and the report.

Usable without the language server::

    from hone.runner import RunRequest, run_with_timing_sync
    report = run_with_timing_sync(RunRequest(path="/abs/path/prog.py"))
    print(report.summary())
"""

from hone.runner.interpreter import Interpreter, InterpreterError, choose_interpreter
from hone.runner.report import (
    ExceptionInfo,
    FunctionTiming,
    LineTiming,
    TimingReport,
    load_samples,
)
from hone.runner.sandbox import RunRequest, child_environment, run_with_timing, run_with_timing_sync

__all__ = [
    "ExceptionInfo",
    "FunctionTiming",
    "Interpreter",
    "InterpreterError",
    "LineTiming",
    "RunRequest",
    "TimingReport",
    "child_environment",
    "choose_interpreter",
    "load_samples",
    "run_with_timing",
    "run_with_timing_sync",
]
