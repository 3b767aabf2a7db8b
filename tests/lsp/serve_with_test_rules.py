"""``hone serve`` with the test-only rules of ``tests/fake_rules.py`` added to the catalog.

The e2e tests start this script (the real CLI entry point, one extra rule module) so they can
rely on rules with known safe fixes and on a rule that raises.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

_installed = os.environ.pop("HONE_TEST_SERVER_EXE", "")
if _installed:
    # The server of another installation (a plain `pip install .` in its own venv), as is:
    # none of the test-only additions below.
    os.execv(_installed, [_installed, "serve", *sys.argv[1:]])

if os.environ.pop("HONE_TEST_NO_USERNS", "") == "1":
    # A machine where no OS sandbox can start: the server runs inside a user namespace that
    # forbids creating more (bwrap --disable-userns), so its own bubblewrap probe really fails.
    from hone.sandbox.bwrap import candidates

    bwrap = candidates()[0]
    os.execv(
        bwrap,
        [
            bwrap,
            "--unshare-user",
            "--disable-userns",
            "--dev-bind",
            "/",
            "/",
            "--die-with-parent",
            "--",
            sys.executable,
            __file__,
            *sys.argv[1:],
        ],
    )

from hone.rules import registry  # noqa: E402

registry.RULE_MODULES = (*registry.RULE_MODULES, "tests.fake_rules")

if os.environ.get("HONE_TEST_TRUST_ALL") == "1":
    # Test-only, in this launcher (never in the server): every workspace folder counts as trusted,
    # for e2e tests of features that run code only in trusted folders, until the trust flow
    # (initializationOptions / hone.trustFolder) is wired into the session.
    from hone.lsp.session import Session

    Session.is_trusted = lambda self, folder_uri: folder_uri is not None  # type: ignore[method-assign]

from hone.cli.main import main  # noqa: E402

raise SystemExit(main(["serve", *sys.argv[1:]]))
