"""The README's configuration section is generated from the settings table (``SPECS``)."""

from __future__ import annotations

from pathlib import Path

from hone.core.settings import SPECS
from hone.docs_catalog import readme_section
from hone.docs_gen import config_markdown, settings_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_configuration_section_is_generated() -> None:
    section = readme_section(README.read_text(encoding="utf-8"), "config")
    assert section is not None, "README.md lacks the section:config markers"
    assert section == config_markdown().strip("\n"), (
        "README.md is stale: run python scripts/gen_readme.py"
    )


def test_settings_table_lists_every_setting_once() -> None:
    rows = settings_table().splitlines()[2:]
    assert [row.split("|")[1].strip().strip("`") for row in rows] == [s.key for s in SPECS]
    assert all(row.count(" | ") == 3 for row in rows)  # no unescaped pipe breaks a row
