"""Secrets never leave the machine: redaction of the common formats, and restoration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hone.llm.redact import UnrestorableError, looks_high_entropy, redact, restore

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


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
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
