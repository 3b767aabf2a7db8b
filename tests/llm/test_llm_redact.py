"""Secrets never leave the machine: redaction of the common formats, and restoration."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hone.llm.redact import UnrestorableError, looks_high_entropy, redact, restore
from tests.llm.fake_openai import FakeOpenAI

SECRETS = [
    (
        'OPENAI = "sk-proj-abcdefghijklmnopqrstuvwxyz012345"',
        "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    ),
    ("key = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx'", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx"),
    ('tok = "ghp_0123456789abcdefghijABCDEFGHIJ0123"', "ghp_0123456789abcdefghijABCDEFGHIJ0123"),
    ('aws = "AKIAIOSFODNN7EXAMPLE"', "AKIAIOSFODNN7EXAMPLE"),
    ('slack = "xoxb-123456789012-abcdefghij"', "xoxb-123456789012-abcdefghij"),
    ('g = "AIzaSyA1234567890abcdefghijklmnopqrstuv"', "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
    ('stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"', "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    (
        'jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N"',
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    ),
    ('password = "hunter2!"', "hunter2!"),
    ('DB_PASSWORD: str = "correct horse"', "correct horse"),
    ('connect(user="bob", password="s3cr3t-pw")', "s3cr3t-pw"),
    ('config = {"api_key": "abc123-not-a-format"}', "abc123-not-a-format"),
    ('clientSecret = "plainsecretvalue"', "plainsecretvalue"),
    ('url = "postgres://admin:Pa55word@db.example.com/app"', "Pa55word"),
    ('headers = {"Authorization": "Bearer abcdefghijklmnop1234"}', "abcdefghijklmnop1234"),
    ('blob = "q8Z3xT1mN0vB7cR4yL2wK9sJ5hG6fD1a"', "q8Z3xT1mN0vB7cR4yL2wK9sJ5hG6fD1a"),
    (
        'digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ),
]


@pytest.mark.parametrize(("line", "secret"), SECRETS)
def test_secret_redacted_and_restorable(line: str, secret: str) -> None:
    r = redact(line + "\n")
    assert secret not in r.text
    assert "HONE_REDACTED_1" in r.text
    assert restore(r.text, r.mapping) == line + "\n"


def test_private_key_block_is_line_preserving() -> None:
    text = (
        "KEY = '''\n"
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
        "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
        "-----END RSA PRIVATE KEY-----\n"
        "'''\n"
        "x = 1\n"
    )
    r = redact(text)
    assert "MIIEowIBAAKCAQEA" not in r.text and "VTLw7onLRnrq0" not in r.text
    assert r.text.count("\n") == text.count("\n")
    assert "-----BEGIN RSA PRIVATE KEY-----" in r.text
    assert restore(r.text, r.mapping) == text


def test_one_line_pem_string() -> None:
    line = 'k = "-----BEGIN PRIVATE KEY-----\\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8\\n-----END PRIVATE KEY-----"'
    r = redact(line)
    assert "MIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8" not in r.text


@pytest.mark.parametrize(
    "line",
    [
        "tokens = text.split(' ')",
        "tokens = ' '.join(words)",
        "token_pattern = compile(x)",
        "password = ''",
        "password = get_password()",
        "os.environ['API_KEY']",
        "key = os.environ.get('OPENAI_API_KEY', '')",
        "def very_long_function_name_for_the_tests_2024(x): ...",
        "from package.subpackage.module_with_long_name import thing",
        "path = '/usr/lib/python3.11/site-packages/libcst/_nodes/statement.py'",
        "licence = 'BSD-3-Clause-No-Nuclear-License-2014'",
    ],
)
def test_ordinary_code_untouched(line: str) -> None:
    assert redact(line).text == line


def test_same_secret_same_placeholder_and_deterministic() -> None:
    text = 'a = "sk-abcdefghijklmnopqrstuvwxyz1234"\nb = "sk-abcdefghijklmnopqrstuvwxyz1234"\n'
    r1, r2 = redact(text), redact(text)
    assert r1.text == r2.text
    assert r1.count == 1
    assert r1.text.count("HONE_REDACTED_1") == 2


def test_unknown_placeholder_cannot_be_restored() -> None:
    r = redact('password = "hunter22"')
    with pytest.raises(UnrestorableError):
        restore("x = HONE_REDACTED_7", r.mapping)
    assert restore("y = HONE_REDACTED_1", r.mapping) == "y = hunter22"


def test_multi_digit_placeholders() -> None:
    mapping = {f"HONE_REDACTED_{i}": f"secret{i}" for i in range(1, 13)}
    assert restore("HONE_REDACTED_12 HONE_REDACTED_1", mapping) == "secret12 secret1"


def test_entropy_heuristic() -> None:
    assert looks_high_entropy("Zx8vQ2mK9pL4rT7wB1nC5dF3")
    assert not looks_high_entropy("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1")
    assert not looks_high_entropy("short1")
    assert not looks_high_entropy("CamelCaseIdentifierName2")


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300))
def test_redaction_never_changes_line_structure_and_restores(text: str) -> None:
    r = redact(text)
    assert r.text.splitlines() == r.text.splitlines()  # sanity: decodable
    assert len(r.text.splitlines(keepends=True)) == len(text.splitlines(keepends=True))
    if "HONE_REDACTED_" not in text:
        assert restore(r.text, r.mapping) == text


def test_found_secret_is_hidden_everywhere_but_only_as_a_whole_token() -> None:
    text = 'def f(password="test"):\n    return login("test") or run_test("test_x")\n'
    r = redact(text)
    assert r.text == (
        'def f(password="HONE_REDACTED_1"):\n'
        '    return login("HONE_REDACTED_1") or run_test("test_x")\n'
    )


# -- planted secrets: none of their shapes reaches the endpoint ------------------------------------
# Each strategy yields (code line(s) with the secret planted, the secret).  The bodies are drawn
# by Hypothesis, so a pattern that only knew one sample token would fail.

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_URLSAFE = _ALNUM + "_-"
_B64 = _ALNUM + "+/"
# what a password may hold: anything printable but quotes, backslashes and blanks (those would
# end the literal or the URL); '@', '/', ':' and '#' included on purpose
_PW = _ALNUM + "!#$%&()*+,-./:;<=>?@[]^_`{|}~"


def _s(alphabet: str, n: int, m: int | None = None) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=n, max_size=m or n)


def _pw() -> st.SearchStrategy[str]:
    # a password is something, not a bare placeholder or one repeated character
    return _s(_PW, 6, 24).filter(lambda p: len(set(p)) > 2 and "HONE_REDACTED" not in p)


_TOKENS: dict[str, st.SearchStrategy[str]] = {
    "openai": _s(_ALNUM, 48).map(lambda b: "sk-" + b),
    "openai-project": _s(_URLSAFE, 40, 120).map(lambda b: "sk-proj-" + b),
    "anthropic": _s(_URLSAFE, 80, 95).map(lambda b: "sk-ant-api03-" + b),
    "aws-key-id": _s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16).map(lambda b: "AKIA" + b),
    "github-classic": _s(_ALNUM, 36).map(lambda b: "ghp_" + b),
    "github-fine-grained": _s(_ALNUM + "_", 82).map(lambda b: "github_pat_" + b),
    "slack": st.tuples(_s("0123456789", 12), _s("0123456789", 13), _s(_ALNUM, 24)).map(
        lambda t: f"xoxb-{t[0]}-{t[1]}-{t[2]}"
    ),
    "slack-user": _s(_ALNUM + "-", 30, 60).map(lambda b: "xoxp-" + b),
    "google": _s(_URLSAFE, 35).map(lambda b: "AIza" + b),
    "stripe": _s(_ALNUM, 24, 99).map(lambda b: "sk_live_" + b),
    "jwt": st.tuples(_s(_URLSAFE, 10, 40), _s(_URLSAFE, 10, 80), _s(_URLSAFE, 20, 86)).map(
        lambda t: f"eyJ{t[0]}.eyJ{t[1]}.{t[2]}"
    ),
}


def _token_context(token: str, where: int) -> str:
    return [
        f'TOKEN = "{token}"',
        f"client = Client(api_key='{token}')",
        f'headers = {{"Authorization": "Bearer {token}"}}',
        f"call(x, '{token}')  # a bare positional token",
        f"# token for staging: {token}",
        f'url = f"https://api.example.com/v1?key={token}"',
    ][where]


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["token", "aws-secret", "pem", "password", "url", "dsn"]))
    if kind == "token":
        token = draw(st.sampled_from(sorted(_TOKENS)).flatmap(lambda k: _TOKENS[k]))
        return _token_context(token, draw(st.integers(0, 5))), token
    if kind == "aws-secret":
        secret = draw(_s(_B64, 40))
        return draw(
            st.sampled_from(
                [
                    f'aws_secret_access_key = "{secret}"',
                    f'boto3.client("s3", aws_access_key_id=kid, aws_secret_access_key="{secret}")',
                    f'AWS_SECRET_ACCESS_KEY: str = "{secret}"',
                ]
            )
        ), secret
    if kind == "pem":
        body = draw(st.lists(_s(_B64, 64), min_size=2, max_size=4))
        header = "-----BEGIN PRIVATE KEY-----"
        footer = "-----END PRIVATE KEY-----"
        if draw(st.booleans()):
            block = "\n".join([f'KEY = """{header}', *body, f'{footer}"""'])
        else:
            block = f'KEY = "{header}\\n' + "\\n".join(body) + f'\\n{footer}\\n"'
        return block, body[0]
    password = draw(_pw())
    if kind == "url":
        scheme = draw(st.sampled_from(["postgres", "postgresql+psycopg", "mysql", "redis", "amqp"]))
        return f'DATABASE_URL = "{scheme}://app_user:{password}@db.internal:5432/app"', password
    if kind == "dsn":
        return draw(
            st.sampled_from(
                [
                    f'conn = psycopg2.connect("dbname=app user=bob password={password} host=db")',
                    f'CONN = "Server=db;Database=app;User Id=sa;Password={password};"',
                ]
            )
        ), password
    return draw(
        st.sampled_from(
            [
                f'password = "{password}"',
                f'connect(host="db", user="bob", password="{password}")',
                f'CONFIG = {{"user": "bob", "pass": "{password}"}}',
                f'CONFIG = {{"user": "bob", "pw": "{password}"}}',
                f'creds = {{"password": "{password}"}}',
                f'smtp.login("me@example.com", "{password}")',
                f'server.login(user, "{password}")',
                f'db = mysql.connector.connect("localhost", "root", "{password}")',
                f'requests.get(url, auth=("bob", "{password}"))',
                f'session.auth = HTTPBasicAuth("bob", "{password}")',
            ]
        )
    ), password


def _leaks(secret: str, text: str) -> bool:
    # the request body is JSON: look for the escaped form too
    return secret in text or json.dumps(secret)[1:-1] in text


@settings(max_examples=400, deadline=None)
@given(planted())
def test_planted_secret_is_redacted_and_restored(case: tuple[str, str]) -> None:
    code, secret = case
    text = f"def handler(x):\n    {code.replace(chr(10), chr(10) + '    ')}\n    return x\n"
    r = redact(text)
    assert not _leaks(secret, r.text), r.text
    assert restore(r.text, r.mapping) == text


@pytest.fixture(scope="module")
def endpoint() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(planted())
def test_planted_secret_never_reaches_the_endpoint(
    endpoint: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str]
) -> None:
    """Over real HTTP: the module-level and the in-function copy of each secret stay home."""
    from tests.llm.test_llm_analyzer import analyzer, config

    code, secret = case
    indented = code.replace("\n", "\n    ")
    text = f"{code}\n\n\ndef handler(x):\n    {indented}\n    out = []\n"
    text += "    for v in x:\n        out.append(v)\n    return out\n"
    endpoint.requests.clear()

    async def go() -> None:
        an = analyzer(tmp_path_factory.mktemp("cache"))
        report = await an.analyse("file:///p/app/handlers.py", 1, text, config(endpoint))
        await an.aclose()
        assert report.sent >= 1, "the function must have been sent for the test to mean much"

    asyncio.run(go())
    assert endpoint.requests, "nothing reached the endpoint"
    assert not _leaks(secret, endpoint.received_text())
