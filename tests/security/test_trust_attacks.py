"""A cloned repository attacks the real server; each attack must have no effect.

Each test plays one attack from issue 12 over stdio against ``hone serve`` in the three client
profiles (see :mod:`tests.security.trust_util`) and asserts that nothing ran, nothing reached the
attacker's endpoint and no secret left, and that the server still answers.  The last tests check
the other side: in a folder the user trusted, running and verifying work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from hone.core.trust import TrustStore
from tests.llm.fake_openai import FakeOpenAI, Reply, finding
from tests.lsp.conftest import HoneTestClient
from tests.security.trust_util import (
    AWS_CANARY,
    OPENAI_CANARY,
    PROFILES,
    UNTRUSTED,
    Home,
    execute,
    marker_script,
    message_requests,
    session,
    wait_llm_state,
)

SLOW = "def first(xs: list[int]) -> int:\n    return sorted(xs)[0]\n"


def codes(diags: list[lsp.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags if d.code)


async def run_with_timing(client: HoneTestClient, uri: str) -> tuple[bool, str]:
    """(ran, what the server said)."""
    try:
        reply: Any = await execute(client, "hone.runWithTiming", {"uri": uri})
    except Exception as exc:  # the refusal is an error reply
        return False, str(exc)
    text = json.dumps(reply, default=lambda o: getattr(o, "__dict__", str(o)))
    return '"ok": true' in text, text


def user_llm(fake: FakeOpenAI, **extra: Any) -> dict[str, Any]:
    """The user's own endpoint, in the user's own settings (initializationOptions)."""
    return {"llm": {"baseUrl": fake.base_url, "model": "user-model", "timeoutSeconds": 10, **extra}}


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home.create(tmp_path / "home")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder


# -- attacks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
async def test_malicious_pyproject_chooses_nothing(
    profile: str, home: Home, ws: Path, tmp_path: Path
) -> None:
    marker = ws / "interpreter-ran"  # inside: the sandbox lets a run write there
    marker_script(ws / "tools" / "py", marker)
    with FakeOpenAI() as attacker:
        pyproject = ws / "pyproject.toml"
        pyproject.write_text(
            "[tool.hone]\n"
            'run.python = "tools/py"\n'
            "run.enabled = true\n"
            "verify.enabled = true\n"
            "verify.unsafeRuleFixes = true\n"
            f'trustedFolders = ["{ws}"]\n'
            "[tool.hone.llm]\n"
            f'baseUrl = "{attacker.base_url}"\n'
            'apiKeyEnv = "AWS_SECRET_ACCESS_KEY"\n'
            'model = "exfil"\n'
            'trigger = "onChange"\n'
        )
        async with session(profile, home, [ws]) as client:
            uri = await client.open(ws / "a.py", SLOW)
            await client.replace(uri, SLOW + "\n")  # llm.trigger=onChange would send now
            client.save(uri)
            await wait_llm_state(client, "off")  # the attacker's endpoint is not an endpoint
            ran, said = await run_with_timing(client, uri)
            assert "HONE201" in codes(await client.diagnostics_of(uri))  # still answers
            for key in (
                "run.python",
                "run.enabled",
                "verify.enabled",
                "verify.unsafeRuleFixes",
                "trustedFolders",
                "llm.baseUrl",
                "llm.apiKeyEnv",
                "llm.model",
                "llm.trigger",
            ):
                [warning] = client.messages_matching(f"may not set '{key}'")
                assert str(pyproject) in warning
        assert attacker.requests == [], "a request reached the repository's endpoint"
        assert not marker.exists(), "the repository's interpreter ran"
        # only the editor's own trust lets a run happen (pyproject's trustedFolders is nothing)
        assert ran == (profile == "vscode-trusted"), said
        if not ran:
            assert "not trusted" in said or "does not trust" in said
            assert "hone trust" in said


@pytest.mark.parametrize("profile", PROFILES)
async def test_committed_venv_interpreter_never_runs(
    profile: str, home: Home, ws: Path, tmp_path: Path
) -> None:
    marker = ws / "venv-python-ran"  # inside: the sandbox lets a run write there
    marker_script(ws / ".venv" / "bin" / "python", marker)
    (ws / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    async with session(profile, home, [ws]) as client:
        uri = await client.open(ws / "a.py", SLOW)
        client.save(uri)
        ran, said = await run_with_timing(client, uri)
        assert "HONE201" in codes(await client.diagnostics_of(uri))
        proposals = [r for r in message_requests(client) if ".venv" in r.message]
        if profile == "vscode-trusted":
            assert ran, said  # with hone's own interpreter
            assert proposals, "a trusted folder's .venv is proposed"
        else:
            assert not ran and "hone trust" in said
            assert not proposals, "an untrusted folder's .venv is not even looked at"
    assert not marker.exists(), "the committed .venv/bin/python ran"


@pytest.mark.parametrize("profile", UNTRUSTED)
async def test_top_level_code_never_runs_in_an_untrusted_folder(
    profile: str, home: Home, ws: Path, tmp_path: Path
) -> None:
    marker = ws / "module-ran"  # inside: the sandbox lets a run write there
    source = f"open({str(marker)!r}, 'w').close()\n\n\n" + SLOW
    rewrite = "def first(xs: list[int]) -> int:\n    return min(xs)\n"
    with FakeOpenAI() as user:
        user.respond_with(
            Reply.findings([finding(function="first", start_line=4, end_line=5, rewrite=rewrite)])
        )
        async with session(profile, home, [ws], init_options=user_llm(user)) as client:
            uri = await client.open(ws / "a.py", source)
            client.save(uri)
            # LLM analysis works in an untrusted folder (to the user's own endpoint) ...
            diags = await client.wait_diagnostics(
                uri, lambda ds: any(d.source == "hone (llm)" for d in ds)
            )
            assert "HONE201" in codes(diags)
            # ... but neither verification nor a run loads the module
            ran, said = await run_with_timing(client, uri)
            assert not ran and "hone trust" in said
            client.save(uri)
            assert "HONE201" in codes(await client.diagnostics_of(uri))
        assert user.requests
    assert not marker.exists(), "the module's top-level code ran"


@pytest.mark.parametrize("profile", PROFILES)
async def test_a_dependencys_pyproject_configures_nothing(
    profile: str, home: Home, ws: Path
) -> None:
    (ws / "pyproject.toml").write_text('[tool.hone]\nrules.severity = { HONE201 = "hint" }\n')
    pkg = ws / ".venv" / "lib" / "python3.12" / "site-packages" / "somepkg"
    pkg.mkdir(parents=True)
    with FakeOpenAI() as attacker:
        (pkg / "pyproject.toml").write_text(
            f'[tool.hone]\nrules.ignore = ["HONE"]\n[tool.hone.llm]\nbaseUrl = "{attacker.base_url}"\n'
        )
        async with session(profile, home, [ws]) as client:
            uri = await client.open(pkg / "mod.py", SLOW)  # as go-to-definition opens it
            client.save(uri)
            await wait_llm_state(client, "off")
            [d] = [d for d in await client.diagnostics_of(uri) if d.code == "HONE201"]
            assert d.severity == lsp.DiagnosticSeverity.Hint  # the project's own settings
        assert attacker.requests == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_single_file_mode_reads_no_pyproject(
    profile: str, home: Home, tmp_path: Path
) -> None:
    lone = tmp_path / "downloads"
    with FakeOpenAI() as attacker:
        (lone / "deep").mkdir(parents=True)
        (lone / "pyproject.toml").write_text(
            f'[tool.hone]\nrules.ignore = ["HONE"]\n[tool.hone.llm]\nbaseUrl = "{attacker.base_url}"\n'
        )
        (tmp_path / "pyproject.toml").write_text('[tool.hone]\nrules.ignore = ["HONE"]\n')
        async with session(profile, home, []) as client:
            uri = await client.open(lone / "deep" / "script.py", SLOW)
            client.save(uri)
            await wait_llm_state(client, "off")
            assert "HONE201" in codes(await client.diagnostics_of(uri))
            ran, said = await run_with_timing(client, uri)
            assert not ran, said  # a lone file is never run
        assert attacker.requests == []


PLANTED = {
    "openai": "sk-proj-Q2x8Zr4Lm0Vb7Nc1Xs5Kd9Pf3Gh6Jt0Wy2Ue4Ri8Oa1Sd",
    "anthropic": "sk-ant-api03-Zq8Xv2Lm4Nb6Vc0Xs1Kd9Pf3Gh7Jt5Wy2Ue4Ri8Oa1SdQw3Er5Ty7Ui9Op0As2Df4Gh6Jk8L",
    "aws-id": "AKIAZ7Q2X8R4L0V3N6C1",
    "aws-secret": "Zq8Xv2Lm4Nb6Vc0Xs1Kd9Pf3Gh7Jt5Wy2Ue4Ri8",
    "github": "ghp_Zq8Xv2Lm4Nb6Vc0Xs1Kd9Pf3Gh7Jt5Wy2Ue4",
    "github-pat": "github_pat_11AZQ8XV20"
    + "Lm4Nb6Vc0Xs1Kd9Pf3Gh7Jt5Wy2Ue4Ri8Oa1SdQw3Er5Ty7Ui9Op0As2Df4Gh6Jk8Lz",
    "slack": "xoxb-123456789012-1234567890123-Zq8Xv2Lm4Nb6Vc0Xs1Kd9Pf3",
    "google": "AIzaSyZq8Xv2Lm4Nb6Vc0Xs1Kd9Pf3Gh7Jt5Wy2",
    "stripe": "sk_live_Zq8Xv2Lm4Nb6Vc0Xs1Kd9Pf3Gh7",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.Zq8Xv2Lm4Nb6Vc0Xs1Kd9Pf3Gh7Jt5Wy2",
    "pem": "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "url-password": "p@ss:w/rd@42",
    "dsn-password": "Tr0ub4dor&3",
    "positional": "hunter2-positional",
    "keyword": "correct-horse-kw",
    "dict-pass": "dict-pass-value",
    "dict-pw": "dict-pw-value",
}

SECRETS_MODULE = f'''\
import boto3
import psycopg2
import requests
import smtplib

OPENAI_KEY = "{PLANTED["openai"]}"
ANTHROPIC = "{PLANTED["anthropic"]}"
GITHUB = "{PLANTED["github"]}"
PAT = "{PLANTED["github-pat"]}"
SLACK = "{PLANTED["slack"]}"
GOOGLE = "{PLANTED["google"]}"
STRIPE = "{PLANTED["stripe"]}"
TOKEN = "{PLANTED["jwt"]}"
KEY = """-----BEGIN RSA PRIVATE KEY-----
{PLANTED["pem"]}
-----END RSA PRIVATE KEY-----"""
DATABASE_URL = "postgres://app:{PLANTED["url-password"]}@db.internal:5432/app"
CONFIG = {{"user": "bob", "pass": "{PLANTED["dict-pass"]}"}}
OTHER = {{"user": "bob", "pw": "{PLANTED["dict-pw"]}"}}


def connect_all(rows):
    s3 = boto3.client("s3", aws_access_key_id="{PLANTED["aws-id"]}", aws_secret_access_key="{PLANTED["aws-secret"]}")
    db = psycopg2.connect("dbname=app user=bob password={PLANTED["dsn-password"]} host=db")
    mail = smtplib.SMTP("mail")
    mail.login("me@example.com", "{PLANTED["positional"]}")
    requests.post("https://x", auth=("bob", "{PLANTED["keyword"]}"))
    out = []
    for r in rows:
        out.append(r)
    return s3, db, out
'''


def leaked(text: str) -> list[str]:
    return [k for k, v in PLANTED.items() if v in text or json.dumps(v)[1:-1] in text]


@pytest.mark.parametrize("profile", PROFILES)
async def test_planted_tokens_never_reach_the_users_endpoint(
    # (no 'secret' in the test's name: its tmp folder would match llm.exclude's *secret*)
    profile: str,
    home: Home,
    ws: Path,
) -> None:
    with FakeOpenAI() as user:
        async with session(profile, home, [ws], init_options=user_llm(user)) as client:
            uri = await client.open(ws / "service.py", SECRETS_MODULE)
            client.save(uri)
            await client.wait_until(lambda: user.requests, what="a request to the user's endpoint")
            await wait_llm_state(client, "idle")
            assert codes(await client.diagnostics_of(uri)) is not None
        assert user.requests
        assert leaked(user.received_text()) == []
        for request in user.requests:  # the user's key, to the user's endpoint
            assert request.headers.get("authorization") == f"Bearer {OPENAI_CANARY}"


@pytest.mark.parametrize("profile", PROFILES)
async def test_pyproject_cannot_swap_the_key_sent_to_the_users_endpoint(
    profile: str, home: Home, ws: Path
) -> None:
    (ws / "pyproject.toml").write_text('[tool.hone.llm]\napiKeyEnv = "AWS_SECRET_ACCESS_KEY"\n')
    with FakeOpenAI() as user:
        async with session(profile, home, [ws], init_options=user_llm(user)) as client:
            uri = await client.open(ws / "a.py", SLOW)
            client.save(uri)
            await client.wait_until(lambda: user.requests, what="a request to the user's endpoint")
            assert client.messages_matching("may not set 'llm.apiKeyEnv'")
        headers = [r.headers.get("authorization", "") for r in user.requests]
        assert headers and all(h == f"Bearer {OPENAI_CANARY}" for h in headers), headers
        assert AWS_CANARY not in user.received_text()


@pytest.mark.parametrize("profile", PROFILES)
async def test_a_key_chosen_next_to_another_endpoint_is_not_sent(
    profile: str, home: Home, ws: Path
) -> None:
    """The endpoint comes from initializationOptions, the key variable from the editor's
    settings (which, for some clients, a project's settings file can feed): no key at all."""
    with FakeOpenAI() as user:
        async with session(
            profile,
            home,
            [ws],
            init_options=user_llm(user),
            configuration={"llm": {"apiKeyEnv": "AWS_SECRET_ACCESS_KEY"}},
        ) as client:
            uri = await client.open(ws / "a.py", SLOW)
            client.save(uri)
            await client.wait_until(lambda: user.requests, what="a request to the user's endpoint")
            assert client.messages_matching("no API key is sent")
        for request in user.requests:
            auth = request.headers.get("authorization", "")
            assert AWS_CANARY not in auth and OPENAI_CANARY not in auth, auth


# -- the other side: what the user trusted works -------------------------------------------------


@pytest.mark.parametrize("how", ["hone.trustFolder", "hone trust", "trustedFolders"])
async def test_neovim_user_trusts_the_folder_and_runs_work(how: str, home: Home, ws: Path) -> None:
    init = {"trustedFolders": [str(ws)]} if how == "trustedFolders" else None
    async with session("neovim", home, [ws], init_options=init) as client:
        uri = await client.open(ws / "a.py", SLOW + "\nprint(first([3, 1, 2]))\n")
        if how != "trustedFolders":
            ran, said = await run_with_timing(client, uri)
            assert not ran and "hone trust" in said
            if how == "hone.trustFolder":  # :HoneTrust
                await execute(client, "hone.trustFolder", {"uri": uri})
            else:  # `hone trust` in a terminal, while the editor runs
                TrustStore(home.trust_store).trust(ws)
        ran, said = await run_with_timing(client, uri)
        assert ran, said
    if how == "hone.trustFolder":
        assert TrustStore(home.trust_store).is_trusted(ws)


async def test_vscode_grant_lifts_the_restrictions_without_a_restart(home: Home, ws: Path) -> None:
    async with session("vscode-untrusted", home, [ws]) as client:
        uri = await client.open(ws / "a.py", SLOW)
        ran, said = await run_with_timing(client, uri)
        assert not ran and "Restricted Mode" in said
        # a command link (e.g. in a repository's Markdown) cannot go around VS Code's trust
        with pytest.raises(Exception, match="Manage Workspace Trust"):
            await execute(client, "hone.trustFolder", {"uri": uri})
        assert not home.trust_store.exists()
        # what the extension sends on onDidGrantWorkspaceTrust
        client.protocol.notify("hone/didGrantTrust", {})
        client.configuration_changed({"hone": {}})
        ran, said = await run_with_timing(client, uri)
        assert ran, said


async def test_a_trusted_folder_verifies_unsafe_fixes(home: Home, ws: Path) -> None:
    """min() raises ValueError where sorted(xs)[0] raises IndexError (on []): the check of the
    unsafe fix, which only a trusted folder gets, withdraws it."""

    def judged(ds: list[lsp.Diagnostic]) -> bool:
        return any(
            d.code == "HONE201"
            and ("hone did not offer" in d.message or "verif" in json.dumps(d.data))
            for d in ds
        )

    async with session("vscode-trusted", home, [ws]) as client:
        uri = await client.open(ws / "a.py", SLOW)
        assert not judged(await client.diagnostics_of(uri))
        client.save(uri)
        await client.wait_diagnostics(uri, judged, timeout=90)


async def test_a_confirmed_venv_is_used_for_runs(home: Home, ws: Path, tmp_path: Path) -> None:
    marker = ws / "venv-python-ran"  # inside: the sandbox lets a run write there
    marker_script(ws / ".venv" / "bin" / "python", marker)

    def accept(params: lsp.ShowMessageRequestParams) -> str | None:
        return next((a.title for a in params.actions or [] if ".venv" in a.title), None)

    async with session("vscode-trusted", home, [ws], on_message_request=accept) as client:
        uri = await client.open(ws / "a.py", SLOW)
        ran, said = await run_with_timing(client, uri)  # proposes; hone's own runs this time
        assert ran and not marker.exists(), said
        await client.wait_until(
            lambda: TrustStore(home.trust_store).confirmed_venv(ws), what="the .venv confirmed"
        )
        await run_with_timing(client, uri)
    assert marker.exists(), "the user's chosen .venv interpreter is used"


# -- the LLM cache: one endpoint's replies never answer for another's ------------------------------

POISON = "POISONED advice from another endpoint"


@pytest.mark.parametrize("profile", PROFILES)
async def test_cached_replies_of_one_endpoint_never_show_for_another(
    profile: str, home: Home, tmp_path: Path
) -> None:
    """Two workspaces, one user cache: what endpoint A answered for a function is cached; the
    same code in another project, with endpoint B configured, is sent to B and shows only B's
    answer.  The cache folder is private (0700) and its files 0600."""
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
    poisoned = Reply(
        content=json.dumps(
            {"findings": [{"line": 2, "category": "performance", "problem": POISON, "why": "x"}]}
        )
    )
    with FakeOpenAI() as a, FakeOpenAI() as b:
        a.respond_with(poisoned)
        b.respond_with(Reply(content=json.dumps({"findings": []})))
        async with session(profile, home, [first], init_options=user_llm(a, candidates=0)) as c1:
            uri = await c1.open(first / "a.py", SLOW)
            c1.save(uri)
            await c1.wait_diagnostics(uri, lambda ds: any(POISON in d.message for d in ds))
        cache = home.root / "cache" / "hone"
        assert cache.is_dir() and (cache.stat().st_mode & 0o777) == 0o700
        files = [p for p in cache.rglob("*") if p.is_file()]
        assert files and all((p.stat().st_mode & 0o777) == 0o600 for p in files), files
        async with session(profile, home, [second], init_options=user_llm(b, candidates=0)) as c2:
            uri = await c2.open(second / "a.py", SLOW)
            c2.save(uri)
            await c2.wait_until(lambda: b.requests, what="the same code sent to endpoint B")
            await wait_llm_state(c2, "idle")
            assert not any(POISON in d.message for d in await c2.diagnostics_of(uri))
        assert len(a.requests) == 1  # A was asked once, by the first project only
