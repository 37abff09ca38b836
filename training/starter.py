"""The starter corpus shipped with spamschutz, so a fresh install scores comments at once.

Hand-written German and English comments: the spam a news site sees and readers' ordinary,
angry, short and link-carrying comments. It is a start, not a substitute for the site's own
moderators' decisions: retrain on those (``spamschutz train --from-db --starter``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from training.data import LabelledComment, read_comments

__all__ = ["STARTER_FILES", "starter_comments", "starter_paths"]

STARTER_FILES = ("starter_de.jsonl", "starter_en.jsonl")


def starter_paths() -> list[Path]:
    """Paths of the starter corpus files inside the installed package."""
    folder = resources.files("training").joinpath("corpora")
    return [Path(str(folder.joinpath(name))) for name in STARTER_FILES]


def starter_comments() -> list[LabelledComment]:
    """All starter comments, German and English."""
    return [comment for path in starter_paths() for comment in read_comments(path)]
