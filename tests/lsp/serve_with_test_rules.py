"""``hone serve`` with the test-only rules of ``tests/fake_rules.py`` added to the catalog.

The e2e tests start this script (the real CLI entry point, one extra rule module) so they can
rely on rules with known safe fixes and on a rule that raises.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hone.rules import registry

registry.RULE_MODULES = (*registry.RULE_MODULES, "tests.fake_rules")

from hone.cli.main import main  # noqa: E402

raise SystemExit(main(["serve", *sys.argv[1:]]))
