"""TimingReport: summary wording, JSON round trip, building from the child's raw data."""

from __future__ import annotations

from hone.runner.report import (
    ExceptionInfo,
    FrameInfo,
    FunctionTiming,
    LineTiming,
    Location,
    TimingReport,
    apply_profile,
    fmt_bytes,
    fmt_seconds,
)


def _fn(name: str, self_s: float, cum_s: float, total: float = 1.23) -> FunctionTiming:
    return FunctionTiming(
        qualname=name,
        file="/w/prog.py",
        line=3,
        self_s=self_s,
        cum_s=cum_s,
        calls=7,
        share=self_s / total,
        cum_share=cum_s / total,
    )


def _report(**kw: object) -> TimingReport:
    base: dict[str, object] = dict(
        path="/w/prog.py",
        wall_s=1.234,
        cpu_s=1.2,
        peak_rss_bytes=45 * 1024 * 1024,
        exit_code=0,
        functions=[_fn("main", 0.01, 1.2), _fn("parse_rows", 0.81, 0.9)],
    )
    base.update(kw)
    return TimingReport(**base)  # type: ignore[arg-type]


def test_summary_has_the_documented_shape() -> None:
    assert _report().summary() == (
        "ran in 1.23 s, CPU 1.20 s, peak 45 MB — hottest: parse_rows 0.81 s, 66 %"
    )


def test_summary_variants() -> None:
    assert _report(timed_out=True, exit_code=-9).summary().startswith("timed out after 1.23 s, CPU")
    assert _report(cancelled=True).summary().startswith("cancelled after 1.23 s")
    assert _report(exit_code=3).summary().endswith(" — exit code 3")
    crashed = _report(
        exit_code=1,
        exception=ExceptionInfo("KeyError", "'x'", "Traceback...", "/w/prog.py", 9, 9),
    )
    assert crashed.summary().endswith(" — KeyError at line 9: 'x'")
    empty_message = _report(
        exit_code=1, exception=ExceptionInfo("MemoryError", "", "tb", "/w/prog.py", 2, 2)
    )
    assert empty_message.summary().endswith(" — MemoryError at line 2")
    assert _report(truncated_bytes=3 << 20).summary().endswith("output truncated (3.0 MB dropped)")
    not_run = TimingReport(path="/w/prog.py", error="SyntaxError: invalid syntax (line 1)")
    assert not_run.summary() == "not run: SyntaxError: invalid syntax (line 1)"
    assert not not_run.ran and not not_run.ok
    no_functions = _report(functions=[])
    assert "hottest" not in no_functions.summary()


def test_formatting_units() -> None:
    assert fmt_seconds(0.0042) == "4.2 ms"
    assert fmt_seconds(0) == "0.00 s"
    assert fmt_seconds(12.345) == "12.35 s"
    assert fmt_bytes(45 * 1024 * 1024) == "45 MB"
    assert fmt_bytes(512 * 1024) == "0.5 MB"
    assert fmt_bytes(2048) == "2 KB"


def test_json_round_trip_keeps_everything() -> None:
    line = LineTiming("/w/prog.py", 5, 0.5, 0.6, 0.4, "parse_rows")
    report = _report(
        args=("a", "b"),
        functions=[
            FunctionTiming(
                "parse_rows", "/w/prog.py", 3, 0.81, 0.9, 12, 0.66, 0.73, (0, 1), (line,)
            )
        ],
        hot_lines=[line],
        exception=ExceptionInfo(
            "ValueError", "bad", "Traceback", "/w/prog.py", 5, 5, (FrameInfo("/w/prog.py", 5, "f"),)
        ),
        interrupted_at=Location("/w/prog.py", 5, "parse_rows"),
        samples_path="/tmp/s.pkl",
        notes=["a note"],
        stdout="out ✓",
    )
    again = TimingReport.from_json(report.to_json())
    assert again == report
    assert TimingReport.from_json(TimingReport(path="/x.py").to_json()) == TimingReport(
        path="/x.py"
    )


def test_from_dict_ignores_unknown_keys() -> None:
    data = _report().to_dict()
    data["added_in_a_later_version"] = 1
    assert TimingReport.from_dict(data) == _report()


def test_apply_profile_computes_shares_lines_and_exception() -> None:
    raw = {
        "phase": "done",
        "wall_s": 2.0,
        "cpu_s": 1.5,
        "peak_rss_bytes": 10,
        "sampled_s": 2.0,
        "samples": 400,
        "interval_s": 0.001,
        "instrumented": True,
        "functions": [
            {
                "file": "/w/p.py",
                "qualname": "main",
                "line": 1,
                "self_s": 0.0,
                "cum_s": 2.0,
                "calls": 1,
            },
            {
                "file": "/w/p.py",
                "qualname": "hot",
                "line": 5,
                "self_s": 1.5,
                "cum_s": 1.5,
                "calls": 30,
                "samples": [0, 1],
            },
            {
                "file": "/w/p.py",
                "qualname": "<module>",
                "line": 1,
                "self_s": 0.5,
                "cum_s": 2.0,
                "calls": None,
            },
        ],
        "lines": [
            {
                "file": "/w/p.py",
                "qualname": "hot",
                "function_line": 5,
                "line": 7,
                "self_s": 1.0,
                "cum_s": 1.0,
            },
            {
                "file": "/w/p.py",
                "qualname": "hot",
                "function_line": 5,
                "line": 6,
                "self_s": 0.5,
                "cum_s": 0.5,
            },
            {
                "file": "/w/p.py",
                "qualname": "main",
                "function_line": 1,
                "line": 2,
                "self_s": 0.0,
                "cum_s": 2.0,
            },
        ],
        "exception": {
            "type": "KeyError",
            "message": "'k'",
            "traceback": "tb",
            "file": "/w/p.py",
            "line": 7,
            "file_line": 7,
            "frames": [{"file": "/w/p.py", "line": 7, "function": "hot"}],
        },
        "samples_path": "/tmp/x/samples.pkl",
    }
    report = TimingReport(path="/w/p.py", peak_rss_bytes=99)
    apply_profile(report, raw, complete=True)
    assert report.profile == "complete"
    # the child's own figure wins over wait4's (which carries the parent's RSS on Linux)
    assert report.peak_rss_bytes == 10
    hot = next(f for f in report.functions if f.qualname == "hot")
    assert hot.share == 0.75 and hot.calls == 30 and hot.samples == (0, 1)
    assert [ln.line for ln in hot.lines] == [6, 7]
    assert report.hottest() is hot
    assert [ln.line for ln in report.hot_lines] == [7, 6]  # by self time; zero-self lines left out
    assert report.exception is not None and report.exception.file_line == 7
    assert report.exception.frames[0].function == "hot"
    module = next(f for f in report.functions if f.qualname == "<module>")
    assert module.calls is None
    assert report.samples_path == "/tmp/x/samples.pkl"


def test_render_text_shows_functions_lines_and_output() -> None:
    report = _report(
        hot_lines=[LineTiming("/w/prog.py", 2, 0.8, 0.8, 0.65, "parse_rows")],
        stdout="hello\n",
        stderr="warn\n",
        notes=["something"],
    )
    text = report.render_text("import x\nrows = parse(x)\n")
    assert text.splitlines()[0] == report.summary()
    assert "parse_rows (prog.py:3)" in text
    assert "prog.py:2  rows = parse(x)" in text
    assert "--- stdout ---\nhello" in text and "--- stderr ---\nwarn" in text
    assert "note: something" in text
