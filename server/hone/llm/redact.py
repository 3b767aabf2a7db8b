"""Secret redaction before anything is sent to a model, and restoration in its rewrites.

Redaction is line-preserving (no pattern spans a line break; a PEM block's body lines are
replaced one by one), so the line numbers the model reports still match the document.  Each
distinct secret gets a numbered placeholder (``HONE_REDACTED_1``) that is a valid identifier and
survives inside strings, URLs and comments; numbering follows first appearance, so the same text
always redacts to the same text (which keeps the on-disk cache effective).  Placeholders are never
derived from the secret itself: a hash of a short password is as good as the password.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

PLACEHOLDER_PREFIX = "HONE_REDACTED_"
_PLACEHOLDER_RE = re.compile(PLACEHOLDER_PREFIX + r"(\d+)")

# Well-known token formats: the whole match is the secret.
_TOKEN_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"\bsk-(?:proj-|ant-(?:api\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",  # OpenAI, Anthropic
        r"\bgh[pousr]_[A-Za-z0-9]{30,}",  # GitHub
        r"\bgithub_pat_[A-Za-z0-9_]{30,}",
        r"\bglpat-[A-Za-z0-9_\-]{20,}",  # GitLab
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b",  # AWS access key ids
        r"\bxox[a-z]-[A-Za-z0-9\-]{10,}",  # Slack (xoxb, xoxp, xoxa, xoxe, ...)
        r"\bhooks\.slack\.com/services/[A-Za-z0-9/_\-]{20,}",  # Slack webhooks
        r"\bAIza[0-9A-Za-z_\-]{35}",  # Google API keys
        r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}",  # Stripe
        r"\bhf_[A-Za-z0-9]{30,}",  # Hugging Face
        r"\bnpm_[A-Za-z0-9]{36}\b",
        r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}",  # SendGrid
        r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",  # JWT
        r"\bA3T[A-Z0-9]{16}\b",  # AWS (older key ids)
        r"\bya29\.[0-9A-Za-z_\-]{20,}",  # Google OAuth access tokens
        r"\b(?:sq0atp|sq0csp)-[0-9A-Za-z_\-]{22,}",  # Square
        r"\bdop_v1_[a-f0-9]{64}\b",  # DigitalOcean
        r"\bpypi-[A-Za-z0-9_\-]{50,}",  # PyPI upload tokens
    )
)

# Patterns whose group 1 is the secret.
_GROUP_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Authorization header values: "Bearer abc...", "token abc..."
    re.compile(r"(?i)\b(?:bearer|token|basic)\s+([A-Za-z0-9\-._~+/]{16,}=*)"),
    # Passwords in URLs: scheme://user:PASSWORD@host, up to the *last* '@' before the host
    # (a password may contain '@' or '/'; over-redacting a path is harmless, leaking is not)
    re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]*:([^\s'\"]+)@[^\s@/'\"]*"),
    # key=value connection strings: "host=db password=x", "Server=s;Password=x;" (not Python
    # keyword arguments, which follow "(" or ", ")
    re.compile(
        r"(?i)(?<![,(]\s)(?<![,(\w.])(?:password|passwd|pwd|pass|secret|api_?key|token)"
        r"=([^\s'\"]{3,})"  # to the next blank: over-redacting "x;Other=y;" is harmless
    ),
    # Private key material that sits on one line (a string with \n escapes)
    re.compile(r"-----BEGIN[A-Z ]*PRIVATE KEY-----(.+?)-----END[A-Z ]*PRIVATE KEY-----"),
    # NAME = "value" / NAME: "value" / "NAME": "value" / NAME="value" / NAME == "value", where
    # the name *ends* in a secret-ish word (so ``tokens = " ".join(...)`` is left alone).
    re.compile(
        r"(?i)[A-Za-z0-9_]*(?:password|passwd|passphrase|pwd|pass|pw|passcode|secret|token|"
        r"api_?key|apikey|access_?key|secret_?key|private_?key|auth|credentials?|dsn|"
        r"connection_?string|conn_?str)['\"]?"
        r"(?:\s*:\s*[A-Za-z_][\w\[\]., |]*?)?\s*(?:==|:=|=|:)\s*"
        r"(?:[rbuRBU]{1,2})?(?P<q>['\"])(?P<v>(?:(?!(?P=q)).){3,}?)(?P=q)"
    ),
)

_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z ]*PRIVATE KEY-----")
_PEM_END = re.compile(r"-----END[A-Z ]*PRIVATE KEY-----")
_PEM_BODY = re.compile(r"[A-Za-z0-9+/=]{16,}")

# Candidates for the entropy check: long runs of token characters.
_CANDIDATE_RE = re.compile(r"[A-Za-z0-9+/_\-=]{24,}")
_HEX_RE = re.compile(r"[0-9a-fA-F\-]+")
_WORDISH_RE = re.compile(r"[A-Z]?[a-z]{3,}|[A-Z]{3,}(?![a-z])")


def shannon_entropy(s: str) -> float:
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def looks_high_entropy(token: str) -> bool:
    """A long random-looking string: letters *and* digits, and little repetition."""
    core = token.strip("=").strip("-_")
    if len(core) < 24:
        return False
    if not (any(c.isdigit() for c in core) and any(c.isalpha() for c in core)):
        return False
    if _HEX_RE.fullmatch(core):
        return len(core.replace("-", "")) >= 32 and shannon_entropy(core) >= 3.0
    # Identifiers, paths and licence names are mostly words; random keys are not.
    if sum(len(w) for w in _WORDISH_RE.findall(core)) * 2 >= len(core):
        return False
    return shannon_entropy(core) >= 4.0


@dataclass
class Redaction:
    """The redacted text and how to undo it (placeholder -> original)."""

    text: str
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.mapping)


class UnrestorableError(ValueError):
    """A rewrite contains a placeholder we never issued (or lost track of)."""


def _secret_spans(line: str) -> Iterator[tuple[int, int]]:
    for pattern in _TOKEN_PATTERNS:
        for m in pattern.finditer(line):
            yield m.start(), m.end()
    for pattern in _GROUP_PATTERNS:
        for m in pattern.finditer(line):
            group = "v" if "v" in pattern.groupindex else 1
            if m.group(group):
                yield m.start(group), m.end(group)
    for m in _CANDIDATE_RE.finditer(line):
        if looks_high_entropy(m.group()):
            yield m.start(), m.end()


# Calls whose positional string arguments are credentials, from argument 0 ("all") or 1
# ("rest"): ``login(user, PASSWORD)``, ``connect(host, user, PASSWORD)``, ``auth=(user, PW)``.
_CREDENTIAL_CALL_RE = re.compile(
    r"(?i)(?:(?P<all>\b(?:set_password|check_password|make_password|hash_password|"
    r"verify_password|fernet|hmac\.new|hashpw|unlock|decrypt|encrypt))"
    r"|(?P<rest>\b(?:login|log_in|sign_in|signin|authenticate|auth|connect|connection|"
    r"create_engine|\w*basicauth|\w*digestauth|\w*proxyauth|credentials?|"
    r"usernamepassword\w*|passwordcredential\w*|smtp(?:_ssl)?|ftp(?:_tls)?|"
    r"jwt\.encode|jwt\.decode)|\bauth\s*=\s*))\s*\("
)
_STRING_START_RE = re.compile(r"(?i)[rbuf]{0,2}('''|\"\"\"|'|\")")
_KWARG_RE = re.compile(r"\s*[A-Za-z_]\w*\s*=(?!=)")
_SCAN_LIMIT = 4000  # characters of one call's arguments looked at


def _string_end(text: str, body: int, quote: str) -> int:
    """Offset of the closing ``quote`` of a literal whose content starts at ``body`` (-1)."""
    i = body
    while True:
        close = text.find(quote, i)
        if close < 0 or len(quote) == 3:
            return close
        # an odd number of backslashes before it escapes it
        k = close
        while k > body and text[k - 1] == "\\":
            k -= 1
        if (close - k) % 2 == 0:
            return close
        i = close + 1


def _credential_call_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of string contents passed positionally as credentials (see the regex)."""
    out: list[tuple[int, int]] = []
    for m in _CREDENTIAL_CALL_RE.finditer(text):
        first = 0 if m.group("all") else 1
        i, depth, arg, arg_start = m.end(), 1, 0, m.end()
        end = min(len(text), m.end() + _SCAN_LIMIT)
        while i < end and depth:
            c = text[i]
            if c == "#":
                nl = text.find("\n", i)
                i = end if nl < 0 else nl
                continue
            sm = None
            if (c in "'\"" or c in "rbufRBUF") and not (
                i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")
            ):
                sm = _STRING_START_RE.match(text, i)
            if sm is not None:
                quote, body = sm.group(1), sm.end()
                close = _string_end(text, body, quote)
                if close < 0:
                    break
                literal = text[body:close]
                if (
                    depth == 1
                    and arg >= first
                    and literal
                    and "\n" not in literal
                    and not _KWARG_RE.match(text, arg_start)
                ):
                    out.append((body, close))
                i = close + len(quote)
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            elif c == "," and depth == 1:
                arg, arg_start = arg + 1, i + 1
            i += 1
    return out


def _spans_by_line(lines: list[str], spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Absolute spans -> per-line spans (a span crossing a line break is dropped)."""
    out: list[list[tuple[int, int]]] = [[] for _ in lines]
    if not spans:
        return out
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    for a, b in spans:
        k = bisect.bisect_right(starts, a) - 1
        if 0 <= k < len(lines) and b <= starts[k] + len(lines[k].rstrip("\r\n")):
            out[k].append((a - starts[k], b - starts[k]))
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def redact(text: str) -> Redaction:
    """Replace secrets in ``text`` with placeholders (line count and line breaks unchanged).

    Two passes: the patterns find secrets, then *every* occurrence of a found secret is
    replaced (a password spotted in ``password="..."`` is also hidden where it is used bare).
    """
    lines = text.splitlines(keepends=True)
    bodies = [line.rstrip("\r\n") for line in lines]
    spans: list[list[tuple[int, int]]] = []
    calls = _spans_by_line(lines, _credential_call_spans(text))
    in_pem = False
    for body, call_spans in zip(bodies, calls, strict=True):
        if in_pem:
            if _PEM_END.search(body):
                in_pem = False
            else:
                spans.append([(m.start(), m.end()) for m in _PEM_BODY.finditer(body)])
                continue
        elif _PEM_BEGIN.search(body) and not _PEM_END.search(body):
            in_pem = True
        spans.append([*_secret_spans(body), *call_spans])
    secrets = {
        body[a:b]
        for body, line_spans in zip(bodies, spans, strict=True)
        for a, b in line_spans
        if not _PLACEHOLDER_RE.fullmatch(body[a:b])
    }
    # Other occurrences count only as whole tokens: a password "test" must not eat "test_x".
    known = [
        re.compile(r"(?<![A-Za-z0-9_])" + re.escape(s) + r"(?![A-Za-z0-9_])")
        for s in sorted(secrets, key=len, reverse=True)
        if len(s) >= 4
    ]

    originals: dict[str, str] = {}  # secret -> placeholder
    mapping: dict[str, str] = {}
    out: list[str] = []
    for line, body, line_spans in zip(lines, bodies, spans, strict=True):
        found = list(line_spans)
        for rx in known:
            found.extend((m.start(), m.end()) for m in rx.finditer(body))
        pieces: list[str] = []
        cursor = 0
        for a, b in _merge(found):
            secret = body[a:b]
            if _PLACEHOLDER_RE.fullmatch(secret):
                continue  # already a placeholder (e.g. a rewrite being re-sent)
            if secret not in originals:
                name = f"{PLACEHOLDER_PREFIX}{len(originals) + 1}"
                originals[secret] = name
                mapping[name] = secret
            pieces.append(body[cursor:a])
            pieces.append(originals[secret])
            cursor = b
        pieces.append(body[cursor:])
        out.append("".join(pieces) + line[len(body) :])
    return Redaction("".join(out), mapping)


def placeholders_in(text: str) -> set[str]:
    return {m.group() for m in _PLACEHOLDER_RE.finditer(text)}


def restore(text: str, mapping: dict[str, str]) -> str:
    """Put the original secrets back; raise :class:`UnrestorableError` for unknown placeholders."""
    unknown = placeholders_in(text) - mapping.keys()
    if unknown:
        raise UnrestorableError(f"unknown redaction placeholder(s): {', '.join(sorted(unknown))}")
    # The regex is greedy on digits, so HONE_REDACTED_12 is never read as HONE_REDACTED_1.
    return _PLACEHOLDER_RE.sub(lambda m: mapping[m.group()], text)
