"""The files a publisher's lawyer and an operator look for: the licence, the credits of the
data the model learned from, the security policy, the changelog and the version."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata

import pytest

from spamschutz.training.data import read_comments
from spamschutz.training.starter import starter_comments, starter_paths
from tests.conftest import DATASETS, DATASETS_MISSING, REPO_ROOT, YOUTUBE

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
NOTICE = (REPO_ROOT / "NOTICE").read_text()
CHANGELOG = (REPO_ROOT / "CHANGELOG.md").read_text()
GERMAN_READER_COMMENTS = DATASETS / "german-reader-comments" / "comments.jsonl"


def test_spamschutz_version_prints_the_version_pyproject_declares(runner) -> None:
    result = runner("--version")
    assert result.exit_code == 0
    assert result.output == f"spamschutz {PROJECT['version']}\n"


def test_the_licence_is_apache_2_in_the_file_and_in_the_installed_metadata() -> None:
    licence = (REPO_ROOT / "LICENSE").read_text()
    assert licence.lstrip().startswith("Apache License\n")
    assert "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    assert PROJECT["license"] == "Apache-2.0"
    installed = metadata.metadata("spamschutz")
    assert installed["License-Expression"] == "Apache-2.0"
    assert {"LICENSE", "NOTICE"} <= set(installed.get_all("License-File") or [])


def test_notice_credits_the_starter_corpus_and_each_evaluation_corpus_with_its_licence() -> None:
    starter_files = [path.name for path in starter_paths()]
    for name in starter_files:
        assert name in NOTICE
    assert sorted(p.name for p in (REPO_ROOT / "training" / "corpora").glob("*")) == sorted(
        starter_files
    ), "a corpus file ships with the package that NOTICE does not name"
    youtube = NOTICE.index("YouTube Spam Collection")
    assert "Alberto, J. V. Lochter and T. A. Almeida" in NOTICE[youtube:]
    assert "(CC BY 4.0)" in NOTICE[youtube:]
    posts = NOTICE.index("One Million Posts Corpus")
    assert "Schabus, M. Skowron and M. Trapp" in NOTICE[posts:]
    assert "(CC BY-NC-SA 4.0). Used for evaluation only" in NOTICE[posts:]


@pytest.mark.skipif(not YOUTUBE.exists(), reason=DATASETS_MISSING)
def test_the_starter_corpus_holds_no_comment_of_the_public_corpora() -> None:
    """NOTICE says the starter model learned from hand-written comments alone; a comment copied
    from a public corpus (the non-commercial One Million Posts above all) would break that."""

    def words(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.casefold()))

    public = {words(c.text) for path in sorted(YOUTUBE.glob("*.csv")) for c in read_comments(path)}
    if GERMAN_READER_COMMENTS.exists():
        with GERMAN_READER_COMMENTS.open(encoding="utf-8") as lines:
            public |= {words(json.loads(line)["text"]) for line in lines if line.strip()}
    assert len(public) > 3000
    copied = [c.text for c in starter_comments() if len(c.text) > 20 and words(c.text) in public]
    assert copied == []


def test_changelog_opens_with_the_unreleased_changes_and_never_skips_the_declared_version() -> None:
    versions = re.findall(r"^## \[([^\]]+)\]", CHANGELOG, flags=re.MULTILINE)
    assert versions[0] == "Unreleased"
    released = versions[1:]
    # A version bump comes with its section, or the declared version is still the unreleased one.
    assert PROJECT["version"] in released or all(
        tuple(map(int, v.split("."))) < tuple(map(int, PROJECT["version"].split(".")))
        for v in released
    )
    assert "`spamschutz --version`" in CHANGELOG


def test_security_policy_says_how_to_report_privately_and_what_is_supported() -> None:
    policy = (REPO_ROOT / "SECURITY.md").read_text()
    assert "## Reporting a vulnerability" in policy
    assert "not report a vulnerability in a public issue" in policy
    assert "## Supported versions" in policy
    major_minor = ".".join(PROJECT["version"].split(".")[:2])
    assert f"| {major_minor}.x (newest) | yes |" in policy
