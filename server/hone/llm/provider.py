"""The one place hone talks to a model: the official ``openai`` client (``AsyncOpenAI``).

Any OpenAI-compatible endpoint works (OpenAI, Azure OpenAI's v1 API, Ollama, llama.cpp's server,
vLLM, LM Studio).  They differ in structured output, so :class:`Provider` negotiates per
endpoint: it tries a strict ``json_schema`` first, falls back on a clear rejection to llama.cpp's
``{"type": "json_object", "schema": ...}``, then plain ``json_object``, then no
``response_format`` at all, and remembers what worked.  Whatever the mode, the reply is parsed
tolerantly and validated (:mod:`hone.llm.schema`).

The client runs with ``max_retries=0``: retries, 429 ``Retry-After``, the circuit breaker, the
concurrency limit and the total timeout are all ours, so they are predictable and testable.

The API key is read from the environment variable named in the settings at client creation and
handed to the client only: it is never logged, never put in a message, and any text that could
echo it (a server's error message) is scrubbed before it goes anywhere.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from hone.llm.redact import redact
from hone.llm.schema import REPLY_SCHEMA, ParsedReply, ReplyError, parse_reply_text

if TYPE_CHECKING:
    from hone.core.settings import Settings

log = logging.getLogger(__name__)
_T = TypeVar("_T")

NO_KEY_PLACEHOLDER = "hone-no-key"  # local endpoints need no key, but the client wants one


class ErrorKind(StrEnum):
    NOT_CONFIGURED = "not_configured"
    UNREACHABLE = "unreachable"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    SERVER = "server"
    REJECTED = "rejected"
    BAD_REPLY = "bad_reply"
    CIRCUIT_OPEN = "circuit_open"


# Failures that say something about the endpoint's health (they feed the circuit breaker).
_ENDPOINT_FAILURES = frozenset(
    {ErrorKind.UNREACHABLE, ErrorKind.TIMEOUT, ErrorKind.SERVER, ErrorKind.RATE_LIMITED}
)


class ProviderError(Exception):
    """A request failed; ``message`` is safe to show the user (it never holds the key)."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_after: float | None = None,
        content: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after
        self.content = content  # the unusable reply itself (BAD_REPLY), for one repair request


class OutputMode(StrEnum):
    JSON_SCHEMA = "json_schema"  # OpenAI structured outputs (strict)
    JSON_OBJECT_SCHEMA = "json_object+schema"  # llama.cpp's server
    JSON_OBJECT = "json_object"  # JSON mode without a schema
    PLAIN = "plain"  # no response_format: instructions + tolerant parsing only


_MODE_ORDER = (
    OutputMode.JSON_SCHEMA,
    OutputMode.JSON_OBJECT_SCHEMA,
    OutputMode.JSON_OBJECT,
    OutputMode.PLAIN,
)

# Process-wide memory of what each endpoint accepts (survives settings changes / new providers).
_ENDPOINT_MODES: dict[str, OutputMode] = {}
# Whether an endpoint returns ``n`` choices when asked for several (llama.cpp returns one).
_ENDPOINT_N: dict[str, bool] = {}


def forget_endpoint_modes() -> None:
    _ENDPOINT_MODES.clear()
    _ENDPOINT_N.clear()


@dataclass(frozen=True, slots=True)
class Sampling:
    """How to sample one request.  ``None`` leaves a parameter to the endpoint's default."""

    temperature: float | None = None
    seed: int | None = None
    n: int = 1
    max_tokens: int | None = None

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.temperature is not None:
            out["temperature"] = self.temperature
        if self.seed is not None:
            out["seed"] = self.seed
        if self.n > 1:
            out["n"] = self.n
        if self.max_tokens is not None:
            out["max_tokens"] = self.max_tokens
        return out


@dataclass(frozen=True, slots=True)
class LLMConfig:
    base_url: str = ""
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    timeout_seconds: float = 60.0
    max_concurrency: int = 2
    # sampling and budget of the two-step flow (hone.llm.ask.AskSettings.from_config)
    temperature: float = 0.0
    candidates: int = 4
    candidate_temperature: float = 0.7
    max_output_tokens: int = 1200
    candidate_budget_seconds: float = 180.0

    @property
    def configured(self) -> bool:
        return bool(self.base_url.strip())

    @property
    def endpoint(self) -> str:
        return self.base_url.strip().rstrip("/")

    @property
    def display_url(self) -> str:
        """The base URL without any user:password part (for messages)."""
        return display_url(self.endpoint)

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        return cls(
            base_url=settings.str("llm.baseUrl"),
            model=settings.str("llm.model"),
            api_key_env=settings.api_key_env(),  # "" unless bound to this llm.baseUrl
            timeout_seconds=settings.float("llm.timeoutSeconds"),
            max_concurrency=settings.int("llm.maxConcurrency"),
            temperature=settings.float("llm.temperature"),
            candidates=settings.int("llm.candidates"),
            candidate_temperature=settings.float("llm.candidateTemperature"),
            max_output_tokens=settings.int("llm.maxOutputTokens"),
            candidate_budget_seconds=settings.float("llm.candidateBudgetSeconds"),
        )


def display_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000
            if math.isfinite(value):
                return max(value, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
        return max(value, 0.0) if math.isfinite(value) else None
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return max(parsed.timestamp() - time.time(), 0.0)


class CircuitBreaker:
    """Closed -> open after ``threshold`` consecutive failures -> half-open after a cooldown.

    While open, requests fail fast (nothing is sent).  After the cooldown one probe request is
    let through: success closes the breaker, failure re-opens it with a doubled cooldown.
    """

    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 30.0,
        max_cooldown: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.base_cooldown = cooldown
        self.max_cooldown = max_cooldown
        self.clock = clock
        self.failures = 0
        self.open_until: float | None = None
        self.cooldown = cooldown
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self.open_until is not None

    def remaining(self) -> float:
        if self.open_until is None:
            return 0.0
        return max(self.open_until - self.clock(), 0.0)

    def would_allow(self) -> bool:
        """Like :meth:`allow`, without claiming the half-open probe."""
        if self.open_until is None:
            return True
        return self.clock() >= self.open_until and not self._probing

    def allow(self) -> bool:
        if self.open_until is None:
            return True
        if self.clock() < self.open_until or self._probing:
            return False
        self._probing = True  # half-open: exactly one probe
        return True

    def success(self) -> None:
        self.failures = 0
        self.open_until = None
        self.cooldown = self.base_cooldown
        self._probing = False

    def failure(self) -> None:
        self.failures += 1
        if self._probing:
            self._probing = False
            self.cooldown = min(self.cooldown * 2, self.max_cooldown)
            self.open_until = self.clock() + self.cooldown
        elif self.failures >= self.threshold:
            self.open_until = self.clock() + self.cooldown

    def trip(self, cooldown: float | None = None) -> None:
        """Open at once (bad credentials: retrying soon cannot help)."""
        self._probing = False
        self.failures = max(self.failures, self.threshold)
        self.open_until = self.clock() + (cooldown if cooldown is not None else self.cooldown)

    def release_probe(self) -> None:
        """A probe ended without a verdict (cancelled, or a reply-level problem)."""
        self._probing = False


@dataclass
class ProviderStats:
    requests: int = 0  # HTTP requests actually sent
    succeeded: int = 0
    prompt_chars: int = 0
    prompt_tokens: int = 0  # from the endpoint's usage, else estimated
    completion_tokens: int = 0
    retries: int = 0
    fallbacks: int = 0
    failures: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Completion:
    reply: ParsedReply
    content: str
    mode: OutputMode
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class TextCompletion:
    """A free-text answer (one entry per choice returned; ``n`` asks for several)."""

    contents: tuple[str, ...]
    truncated: tuple[bool, ...]  # cut off at the token limit
    prompt_tokens: int
    completion_tokens: int


def estimate_tokens(text: str) -> int:
    """~4 characters a token: good enough to compare strategies (the benchmark's unit)."""
    return max(1, math.ceil(len(text) / 4))


def _response_format_kwargs(
    mode: OutputMode, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    schema = REPLY_SCHEMA if schema is None else schema
    if mode is OutputMode.JSON_SCHEMA:
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "hone_findings", "strict": True, "schema": schema},
            }
        }
    if mode is OutputMode.JSON_OBJECT_SCHEMA:
        # Not in the client's typed params: sent verbatim through extra_body.
        return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}
    if mode is OutputMode.JSON_OBJECT:
        return {"response_format": {"type": "json_object"}}
    return {}


_FORMAT_WORDS = (
    "response_format",
    "json_schema",
    "json_object",
    "schema",
    "grammar",
    "structured output",
    "response format",
)


def _error_text(exc: Any) -> str:
    parts = [str(getattr(exc, "message", "") or "")]
    body = getattr(exc, "body", None)
    if body is not None:
        try:
            parts.append(json.dumps(body) if not isinstance(body, str) else body)
        except (TypeError, ValueError):
            parts.append(repr(body))
    return " ".join(parts)


class Provider:
    """Sends one prompt, returns one validated reply; owns retries, breaker and concurrency."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        breaker_threshold: int = 3,
        breaker_cooldown: float = 30.0,
        max_retries: int = 2,
        max_retry_after: float = 60.0,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.sleep = sleep
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.breaker = CircuitBreaker(breaker_threshold, breaker_cooldown, clock=clock)
        self.stats = ProviderStats()
        self._environ = environ
        self._semaphore = asyncio.Semaphore(max(1, config.max_concurrency))
        self._client: Any = None
        self._key: str | None = None
        self._pause_until = 0.0

    # -- client --------------------------------------------------------------------------
    @property
    def key_present(self) -> bool:
        env = self._environ if self._environ is not None else os.environ
        return bool(env.get(self.config.api_key_env, "").strip())

    def _get_client(self) -> Any:
        if self._client is None:
            import httpx2
            import openai

            env = self._environ if self._environ is not None else os.environ
            key = env.get(self.config.api_key_env, "").strip()
            self._key = key or None
            t = self.config.timeout_seconds
            self._client = openai.AsyncOpenAI(
                api_key=key or NO_KEY_PLACEHOLDER,
                base_url=self.config.endpoint,
                # the client's own timeout is a backstop; our total budget is asyncio.timeout
                timeout=httpx2.Timeout(t + 1.0, connect=min(t, 10.0)),
                max_retries=0,
            )
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception:  # closing must never fail a shutdown
                log.debug("closing the LLM client failed", exc_info=True)

    def scrub(self, text: str) -> str:
        """Remove the API key (and anything key-shaped) from text that may be shown or logged."""
        if self._key and len(self._key) >= 4:
            text = text.replace(self._key, "***")
        return redact(text).text

    @property
    def mode(self) -> OutputMode:
        return _ENDPOINT_MODES.get(self.config.endpoint, OutputMode.JSON_SCHEMA)

    def _downgrade(self, mode: OutputMode) -> OutputMode | None:
        i = _MODE_ORDER.index(mode)
        if i + 1 >= len(_MODE_ORDER):
            return None
        nxt = _MODE_ORDER[i + 1]
        _ENDPOINT_MODES[self.config.endpoint] = nxt
        self.stats.fallbacks += 1
        log.info(
            "hone: %s rejected response_format %s; falling back to %s",
            self.config.display_url,
            mode.value,
            nxt.value,
        )
        return nxt

    # -- the request -----------------------------------------------------------------------
    @property
    def supports_n(self) -> bool | None:
        """Whether the endpoint honours ``n`` > 1 (None: not known yet)."""
        return _ENDPOINT_N.get(self.config.endpoint)

    async def complete(
        self,
        system: str,
        user: str,
        *,
        sampling: Sampling | None = None,
        schema: dict[str, Any] | None = None,
        repair: bool = False,
    ) -> Completion:
        """One JSON answer, parsed and validated against the findings schema.

        ``repair``: when the answer holds no usable JSON, ask once more in the same conversation
        (the unusable answer as the assistant's turn, then a note naming only the parse error).
        """
        try:
            return await self._guarded(
                lambda: self._complete_with_retries(system, user, sampling, schema, None)
            )
        except ProviderError as exc:
            if not repair or exc.kind is not ErrorKind.BAD_REPLY or exc.content is None:
                raise
            first, unusable = exc, exc.content
        log.info("hone: asking the model once more for valid JSON (%s)", first.message)
        followup = (
            unusable,
            "Your reply could not be read as JSON "
            f"({first.message.removeprefix('unusable model reply: ')}). "
            "Answer again with the JSON object only.",
        )
        return await self._guarded(
            lambda: self._complete_with_retries(system, user, sampling, schema, followup)
        )

    async def complete_text(
        self,
        system: str,
        user: str,
        *,
        sampling: Sampling | None = None,
        followup: tuple[str, str] | None = None,
    ) -> TextCompletion:
        """Free text (code in a fenced block is easier for small models than code in JSON).

        ``followup``: (the model's earlier answer, our note on it) continues the conversation
        once, e.g. to repair a rewrite that did not parse.
        """
        return await self._guarded(
            lambda: self._text_with_retries(system, user, sampling, followup)
        )

    async def _guarded(self, run: Callable[[], Awaitable[_T]]) -> _T:
        if not self.config.configured:
            raise ProviderError(ErrorKind.NOT_CONFIGURED, "no LLM endpoint configured")
        self._check_breaker(probe=False)  # fail fast without queueing
        try:
            result = await run()
        except ProviderError as exc:
            self.stats.failures[exc.kind.value] = self.stats.failures.get(exc.kind.value, 0) + 1
            if exc.kind is ErrorKind.AUTH:
                self.breaker.trip(cooldown=300.0)
            elif exc.kind in _ENDPOINT_FAILURES:
                self.breaker.failure()
            elif exc.kind in (ErrorKind.BAD_REPLY, ErrorKind.REJECTED):
                # the endpoint answered: it is healthy even if the answer was unusable
                self.breaker.success()
            # else: refused locally (breaker open, not configured): nothing new was learnt
            raise
        except BaseException:
            self.breaker.release_probe()
            raise
        self.breaker.success()
        return result

    def _check_breaker(self, *, probe: bool) -> None:
        allowed = self.breaker.allow() if probe else self.breaker.would_allow()
        if not allowed:
            raise ProviderError(
                ErrorKind.CIRCUIT_OPEN,
                f"LLM requests paused after repeated failures; retrying in "
                f"{self.breaker.remaining():.0f} s",
                retry_after=self.breaker.remaining(),
            )

    async def _wait_for_pause(self) -> None:
        delay = self._pause_until - self.clock()
        if delay > self.max_retry_after:
            raise ProviderError(
                ErrorKind.RATE_LIMITED,
                f"the LLM endpoint asked hone to wait {delay:.0f} s (rate limit)",
                retry_after=delay,
            )
        if delay > 0:
            await self.sleep(delay)

    async def _complete_with_retries(
        self,
        system: str,
        user: str,
        sampling: Sampling | None,
        schema: dict[str, Any] | None,
        followup: tuple[str, str] | None,
    ) -> Completion:
        def send(mode: OutputMode) -> Awaitable[Any]:
            return self._send(system, user, mode, sampling, schema, followup)

        result: Completion = await self._with_retries(send, json_mode=True)
        return result

    async def _text_with_retries(
        self,
        system: str,
        user: str,
        sampling: Sampling | None,
        followup: tuple[str, str] | None,
    ) -> TextCompletion:
        def send(mode: OutputMode) -> Awaitable[Any]:
            return self._send(system, user, OutputMode.PLAIN, sampling, None, followup, text=True)

        result: TextCompletion = await self._with_retries(send, json_mode=False)
        return result

    async def _with_retries(
        self, send: Callable[[OutputMode], Awaitable[Any]], *, json_mode: bool
    ) -> Any:
        attempt = 0
        while True:
            await self._wait_for_pause()
            mode = self.mode if json_mode else OutputMode.PLAIN
            try:
                async with self._semaphore:
                    # Checked again here: requests queued behind the limit must not all go
                    # out to an endpoint that failed while they waited.
                    self._check_breaker(probe=True)
                    await self._wait_for_pause()
                    return await send(mode)
            except _FormatRejected:
                if self._downgrade(mode) is None:
                    raise ProviderError(
                        ErrorKind.REJECTED,
                        "the LLM endpoint rejected every structured-output mode",
                    ) from None
                continue  # a fallback is not a retry
            except ProviderError as exc:
                if exc.kind is ErrorKind.RATE_LIMITED:
                    # Every request to this endpoint waits, not just this one.
                    delay = exc.retry_after if exc.retry_after is not None else 2.0 ** (attempt + 1)
                    self._pause_until = max(self._pause_until, self.clock() + delay)
                if attempt >= self.max_retries or not self._retryable(exc, attempt):
                    raise
                attempt += 1
                self.stats.retries += 1
                if exc.kind is ErrorKind.RATE_LIMITED:
                    log.info("hone: LLM rate limited; retrying in %.2f s", delay)
                else:
                    await self.sleep(0.25 * 2**attempt)

    def _retryable(self, exc: ProviderError, attempt: int) -> bool:
        if exc.kind is ErrorKind.RATE_LIMITED:
            return exc.retry_after is None or exc.retry_after <= self.max_retry_after
        # one quick retry for a dropped connection or a 5xx; a timeout already cost its budget
        return exc.kind in (ErrorKind.UNREACHABLE, ErrorKind.SERVER) and attempt == 0

    async def _send(
        self,
        system: str,
        user: str,
        mode: OutputMode,
        sampling: Sampling | None = None,
        schema: dict[str, Any] | None = None,
        followup: tuple[str, str] | None = None,
        *,
        text: bool = False,
    ) -> Any:
        if self._client is None:
            # Importing openai takes ~0.5 s: never on the event loop, which serves typing.
            await asyncio.to_thread(_import_client_modules)
        import httpx2
        import openai

        client = self._get_client()
        cfg = self.config
        self.stats.requests += 1
        self.stats.prompt_chars += len(system) + len(user)
        log.debug(
            "hone: LLM request to %s (mode %s, %d chars)",
            cfg.display_url,
            mode.value,
            len(system) + len(user),
        )
        try:
            messages = [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ]
            if followup is not None:
                messages += [
                    {"role": "assistant", "content": followup[0]},
                    {"role": "user", "content": followup[1]},
                ]
            async with asyncio.timeout(cfg.timeout_seconds):
                response = await client.chat.completions.create(
                    model=cfg.model,
                    messages=messages,
                    **_response_format_kwargs(mode, schema),
                    **(sampling.kwargs() if sampling is not None else {}),
                )
        except TimeoutError:
            raise self._timeout_error() from None
        except openai.APITimeoutError:
            raise self._timeout_error() from None
        except openai.APIConnectionError as exc:
            if isinstance(exc.__cause__, httpx2.UnsupportedProtocol | httpx2.InvalidURL):
                raise ProviderError(
                    ErrorKind.UNREACHABLE,
                    f"hone.llm.baseUrl ({cfg.display_url!r}) is not an http(s) URL",
                ) from None
            if exc.__cause__ is None or isinstance(exc.__cause__, httpx2.ConnectError | OSError):
                message = f"cannot reach the LLM endpoint {cfg.display_url}"
            else:  # connected, then the connection broke (e.g. a body cut off mid-way)
                message = (
                    f"the connection to {cfg.display_url} broke mid-reply "
                    f"({type(exc.__cause__).__name__})"
                )
            raise ProviderError(ErrorKind.UNREACHABLE, message) from None
        except openai.APIStatusError as exc:
            raise self._status_error(exc, mode) from None
        except json.JSONDecodeError:
            # A 200 whose body is not JSON surfaces as a plain JSONDecodeError, not an APIError.
            raise ProviderError(
                ErrorKind.BAD_REPLY, "the LLM endpoint's reply was not valid JSON"
            ) from None
        except (httpx2.HTTPError, httpx2.StreamError, OSError) as exc:
            # e.g. a body cut off mid-way while the client reads it
            raise ProviderError(
                ErrorKind.UNREACHABLE,
                f"the connection to {cfg.display_url} broke ({type(exc).__name__})",
            ) from None
        except openai.OpenAIError as exc:
            raise ProviderError(
                ErrorKind.BAD_REPLY, f"the LLM client failed: {self.scrub(str(exc))[:200]}"
            ) from None
        if text:
            return self._text_completion(response, sampling, system, user)
        return self._completion(response, mode, system, user)

    # -- endpoint check (``hone llm check``) ------------------------------------------------
    async def probe(
        self, mode: OutputMode, schema: dict[str, Any], sampling: Sampling
    ) -> tuple[bool, str, float]:
        """One tiny request in exactly ``mode``: (accepted, why not, seconds).  No fallback,
        no retry, nothing remembered: the check reports what the endpoint does."""
        started = time.perf_counter()
        system = 'You answer with JSON only, e.g. {"ok": true}.'
        try:
            if mode is OutputMode.PLAIN:
                await self._send(system, 'Reply {"ok": true}', mode, sampling, text=True)
            else:
                await self._send(system, 'Reply {"ok": true}', mode, sampling, schema)
        except _FormatRejected:
            return False, "rejected this response_format", time.perf_counter() - started
        except ProviderError as exc:
            if exc.kind is ErrorKind.BAD_REPLY:  # answered in this mode, just not our JSON
                return True, "", time.perf_counter() - started
            return False, exc.message, time.perf_counter() - started
        return True, "", time.perf_counter() - started

    async def probe_n(self, sampling: Sampling) -> bool | None:
        """Whether a request with ``n`` = 2 gets two choices (None: the request failed)."""
        try:
            done = await self._send(
                "Answer with one word.", "Say hi.", OutputMode.PLAIN, sampling, text=True
            )
        except (ProviderError, _FormatRejected):
            return None
        return len(done.contents) >= 2

    async def list_models(self) -> list[str] | None:
        """The endpoint's model ids (None when it has no usable /models)."""
        if self._client is None:
            await asyncio.to_thread(_import_client_modules)
        import openai

        client = self._get_client()
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                page = await client.models.list()
        except (TimeoutError, openai.OpenAIError, OSError, ValueError):
            return None
        return sorted(str(getattr(m, "id", "")) for m in getattr(page, "data", []) or [])

    def _timeout_error(self) -> ProviderError:
        return ProviderError(
            ErrorKind.TIMEOUT,
            f"the LLM endpoint did not answer within {self.config.timeout_seconds:g} s",
        )

    def _status_error(self, exc: Any, mode: OutputMode) -> ProviderError | _FormatRejected:
        status = int(getattr(exc, "status_code", 0) or 0)
        cfg = self.config
        text = _error_text(exc).lower()
        if (
            mode is not OutputMode.PLAIN
            and status in (400, 415, 422, 500, 501)
            and any(word in text for word in _FORMAT_WORDS)
        ):
            return _FormatRejected()
        if status in (401, 403):
            if not self.key_present:
                hint = f"the environment variable {cfg.api_key_env} is not set"
            else:
                hint = f"check the key in the environment variable {cfg.api_key_env}"
            return ProviderError(
                ErrorKind.AUTH,
                f"the LLM endpoint {cfg.display_url} rejected the credentials (HTTP {status}): "
                f"{hint}",
            )
        if status == 429:
            return ProviderError(
                ErrorKind.RATE_LIMITED,
                f"the LLM endpoint {cfg.display_url} is rate limiting hone (HTTP 429)",
                retry_after=parse_retry_after(getattr(exc.response, "headers", None)),
            )
        if status == 404:
            return ProviderError(
                ErrorKind.REJECTED,
                f"HTTP 404 from {cfg.display_url}: is the model {cfg.model!r} available there, "
                f"and does the base URL end in /v1?",
            )
        detail = self.scrub(str(getattr(exc, "message", "")))[:200]
        if status >= 500:
            return ProviderError(
                ErrorKind.SERVER, f"the LLM endpoint failed (HTTP {status}): {detail}"
            )
        return ProviderError(
            ErrorKind.REJECTED, f"the LLM endpoint rejected the request (HTTP {status}): {detail}"
        )

    def _completion(self, response: Any, mode: OutputMode, system: str, user: str) -> Completion:
        choices = getattr(response, "choices", None)
        if not choices:
            raise ProviderError(
                ErrorKind.BAD_REPLY, "the LLM endpoint's reply had no choices (not a completion)"
            )
        choice = choices[0]
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None) or ""
        if not content.strip():
            refusal = getattr(message, "refusal", None)
            raise ProviderError(
                ErrorKind.BAD_REPLY,
                "the model refused" if refusal else "the model's reply was empty",
            )
        usage = getattr(response, "usage", None)
        try:
            reply = parse_reply_text(content)
        except ReplyError as exc:
            self._count_usage(usage, system + user, content)
            cut = " (cut off at the token limit)" if choice.finish_reason == "length" else ""
            raise ProviderError(
                ErrorKind.BAD_REPLY, f"unusable model reply: {exc}{cut}", content=content
            ) from None
        prompt_tokens, completion_tokens = self._count_usage(usage, system + user, content)
        self.stats.succeeded += 1
        _ENDPOINT_MODES.setdefault(self.config.endpoint, mode)
        if reply.problems:
            log.info("hone: LLM reply adjusted: %s", "; ".join(reply.problems))
        return Completion(reply, content, mode, prompt_tokens, completion_tokens)

    def _count_usage(self, usage: Any, prompt: str, content: str) -> tuple[int, int]:
        prompt_tokens = int(getattr(usage, "prompt_tokens", None) or estimate_tokens(prompt))
        completion_tokens = int(
            getattr(usage, "completion_tokens", None) or estimate_tokens(content)
        )
        self.stats.prompt_tokens += prompt_tokens
        self.stats.completion_tokens += completion_tokens
        return prompt_tokens, completion_tokens

    def _text_completion(
        self, response: Any, sampling: Sampling | None, system: str, user: str
    ) -> TextCompletion:
        choices = list(getattr(response, "choices", None) or [])
        contents: list[str] = []
        truncated: list[bool] = []
        for choice in choices:
            message = getattr(choice, "message", None)
            contents.append(getattr(message, "content", None) or "")
            truncated.append(getattr(choice, "finish_reason", None) == "length")
        if not any(c.strip() for c in contents):
            raise ProviderError(ErrorKind.BAD_REPLY, "the model's reply was empty")
        wanted = sampling.n if sampling is not None else 1
        if wanted > 1:
            # llama.cpp (and others) silently return one choice: remember, so callers fall
            # back to one request per candidate.
            _ENDPOINT_N[self.config.endpoint] = len(choices) >= wanted
        usage = getattr(response, "usage", None)
        prompt_tokens, completion_tokens = self._count_usage(
            usage, system + user, "".join(contents)
        )
        self.stats.succeeded += 1
        return TextCompletion(tuple(contents), tuple(truncated), prompt_tokens, completion_tokens)


def _import_client_modules() -> None:
    import httpx2  # noqa: F401
    import openai  # noqa: F401


class _FormatRejected(Exception):
    """Internal: the endpoint refused this ``response_format``; try the next mode."""
