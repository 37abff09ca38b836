"""README and the documentation pages stay true: the two commands README promises, the
configuration table, and links that lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from spamschutz.service.config import DEFAULTS
from spamschutz.service.config_reference import configuration_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
INSTALL_AND_RUN = (
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/spamschutz serve"
)
TEST_COMMAND = (
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
)


def test_configuration_page_table_matches_the_settings() -> None:
    assert configuration_table() in CONFIGURATION, (
        "run: python -m spamschutz.service.config_reference"
    )
    for name in DEFAULTS:
        assert f"`SPAMSCHUTZ_{name}`" in CONFIGURATION


def test_readme_keeps_the_install_and_the_test_command_in_the_quick_start() -> None:
    quick_start = README[README.index("## Quick start"):README.index("## What it does")]
    assert quick_start.index(INSTALL_AND_RUN) < quick_start.index(TEST_COMMAND)
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text()


def test_links_between_the_pages_lead_to_files_that_exist() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
