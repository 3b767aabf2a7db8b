"""``hone llm check``: is the endpoint reachable, which structured output does it take, how fast.

Each structured-output mode is tried on its own with a tiny request (no fallback, no retry), so
the report says what the endpoint really accepts; hone itself negotiates the same order at run
time (json_schema, then llama.cpp's json_object + schema, then json_object, then none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hone.llm.provider import LLMConfig, OutputMode, Provider, Sampling

_PROBE_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}

PRESETS: dict[str, tuple[str, str, str]] = {
    # name -> (base URL, example model, API key variable)
    "openai": ("https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY"),
    "ollama": ("http://localhost:11434/v1", "qwen2.5-coder:7b", ""),
    "llama.cpp": ("http://localhost:8080/v1", "local", ""),
}


@dataclass
class ModeResult:
    mode: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class CheckReport:
    endpoint: str
    model: str
    reachable: bool = False
    error: str = ""
    models: list[str] | None = None
    modes: list[ModeResult] = field(default_factory=list)
    n_choices: bool | None = None
    latency_s: float | None = None  # the fastest accepted tiny request

    @property
    def best_mode(self) -> str | None:
        for m in self.modes:
            if m.ok:
                return m.mode
        return None

    def lines(self) -> list[str]:
        out = [f"endpoint: {self.endpoint}", f"model:    {self.model}"]
        if not self.reachable:
            out.append(f"NOT usable: {self.error}")
            return out
        if self.models is not None:
            listed = ", ".join(self.models[:12]) + (" ..." if len(self.models) > 12 else "")
            out.append(f"models:   {listed or '(none listed)'}")
            if self.models and self.model not in self.models:
                out.append(f"warning:  {self.model!r} is not among the listed models")
        else:
            out.append("models:   (the endpoint does not list them)")
        for m in self.modes:
            state = "ok" if m.ok else f"no ({m.detail})"
            out.append(f"  {m.mode:<20} {state:<40} {m.seconds:.2f} s")
        best = self.best_mode
        out.append(f"hone will use: {best or 'nothing works'}")
        if self.n_choices is not None:
            out.append(
                "several candidates per request (n): "
                + ("yes" if self.n_choices else "no (one request per candidate)")
            )
        if self.latency_s is not None:
            out.append(f"latency of a tiny request: {self.latency_s:.2f} s")
        return out


async def check_endpoint(
    config: LLMConfig, environ: dict[str, str] | None = None, *, probe_n: bool = True
) -> CheckReport:
    report = CheckReport(config.display_url, config.model)
    if not config.configured:
        report.error = "no base URL given"
        return report
    provider = Provider(config, environ=environ, max_retries=0)
    sampling = Sampling(temperature=0.0, max_tokens=16)
    try:
        for mode in (
            OutputMode.JSON_SCHEMA,
            OutputMode.JSON_OBJECT_SCHEMA,
            OutputMode.JSON_OBJECT,
            OutputMode.PLAIN,
        ):
            ok, detail, seconds = await provider.probe(mode, _PROBE_SCHEMA, sampling)
            report.modes.append(ModeResult(mode.value, ok, seconds, detail))
            if ok:
                report.reachable = True
                report.latency_s = min(seconds, report.latency_s or seconds)
            elif detail != "rejected this response_format" and not report.reachable:
                # not a format problem: the endpoint itself is unusable (unreachable, auth, ...)
                report.error = detail
                return report
        if not report.reachable:
            report.error = "the endpoint rejected every request"
            return report
        report.models = await provider.list_models()
        if probe_n:
            report.n_choices = await provider.probe_n(Sampling(temperature=0.7, n=2, max_tokens=8))
    finally:
        await provider.aclose()
    return report
