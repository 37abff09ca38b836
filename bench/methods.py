"""The methods the quality benchmark compares, each trained and scored on the same folds.

Every method turns training comments into a scorer; a scorer gives a score per comment (for
ROC-AUC and PR-AUC) and a spam/not-spam decision (for MCC, spam caught and ham blocked).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from spamschutz.training import LabelledComment, train_model

__all__ = ["METHODS", "Method", "Scored", "bogofilter_available"]


@dataclass
class Scored:
    """Scores and decisions for a batch of comments; ``extra`` holds further decision rules."""

    scores: np.ndarray
    spam: np.ndarray
    extra: dict[str, np.ndarray]


Scorer = Callable[[Sequence[LabelledComment]], Scored]


@dataclass(frozen=True)
class Method:
    """A named way to learn a scorer from training comments; ``cut`` says where it decides."""

    name: str
    cut: str
    fit: Callable[[Sequence[LabelledComment]], Scorer]
    extra_cuts: tuple[tuple[str, str], ...] = ()  # (key in Scored.extra, how it decides)


def _spamschutz(train: Sequence[LabelledComment]) -> Scorer:
    model = train_model(train)

    def score(comments: Sequence[LabelledComment]) -> Scored:
        scores = np.asarray(model.score([comment.as_input() for comment in comments]))
        return Scored(scores, scores >= model.thresholds.spam, {"0.5": scores >= 0.5})

    return score


def _sklearn(build: Callable[[], Pipeline], use_proba: bool) -> Callable[..., Scorer]:
    def fit(train: Sequence[LabelledComment]) -> Scorer:
        pipeline = build().fit([c.text for c in train], [c.label for c in train])

        def score(comments: Sequence[LabelledComment]) -> Scored:
            texts = [comment.text for comment in comments]
            if use_proba:
                scores = pipeline.predict_proba(texts)[:, 1]
                return Scored(scores, scores >= 0.5, {})
            scores = pipeline.decision_function(texts)
            return Scored(scores, scores > 0, {})

        return score

    return fit


def _message(text: str) -> bytes:
    """A minimal RFC 822 mail with the comment as its body, as bogofilter reads it."""
    head = (
        "From: commenter@example.invalid\nSubject: comment\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    )
    return (head + text + "\n").encode("utf-8")


def bogofilter_available() -> bool:
    """Whether the ``bogofilter`` program is installed (Debian package ``bogofilter``)."""
    return shutil.which("bogofilter") is not None


def _bogofilter_run(database: Path, flag: str, comments: Sequence[LabelledComment]) -> str:
    # Streaming bulk mode (-b): one process reads the message file names from stdin and
    # registers or scores each message on its own, as a mail server would one by one.
    folder = Path(tempfile.mkdtemp(dir=database))
    names = []
    for index, comment in enumerate(comments):
        path = folder / f"{index:06d}.eml"
        path.write_bytes(_message(comment.text))
        names.append(str(path))
    done = subprocess.run(
        ["bogofilter", "-d", str(database), flag, "-b"],  # noqa: S607
        input="\n".join(names) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    shutil.rmtree(folder)
    if done.returncode not in (0, 1, 2):  # -T exits 0 spam, 1 ham, 2 unsure, 3 error
        raise RuntimeError(f"bogofilter {flag} failed: {done.stderr.strip()}")
    return done.stdout


def _bogofilter(train: Sequence[LabelledComment]) -> Scorer:
    database = Path(tempfile.mkdtemp(prefix="bench-bogofilter-"))
    _bogofilter_run(database, "-s", [c for c in train if c.label == 1])
    _bogofilter_run(database, "-n", [c for c in train if c.label == 0])

    def score(comments: Sequence[LabelledComment]) -> Scored:
        lines = _bogofilter_run(database, "-T", comments).splitlines()
        verdicts = [line.split()[-2] for line in lines]
        scores = np.asarray([float(line.split()[-1]) for line in lines])
        return Scored(scores, np.asarray([v == "S" for v in verdicts]), {})

    weakref.finalize(score, shutil.rmtree, database, ignore_errors=True)
    return score


METHODS = (
    Method(
        "spamschutz",
        "spam-folder threshold",
        _spamschutz,
        extra_cuts=(("0.5", "score ≥ 0.5"),),
    ),
    Method(
        "word TF-IDF + LogisticRegression",
        "p ≥ 0.5",
        _sklearn(lambda: make_pipeline(TfidfVectorizer(), LogisticRegression()), use_proba=True),
    ),
    Method(
        "char_wb 2-5 TF-IDF + LinearSVC",
        "decision > 0",
        _sklearn(
            lambda: make_pipeline(
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)), LinearSVC()
            ),
            use_proba=False,
        ),
    ),
    Method(
        "CountVectorizer + MultinomialNB",
        "p ≥ 0.5",
        _sklearn(lambda: make_pipeline(CountVectorizer(), MultinomialNB()), use_proba=True),
    ),
    Method("bogofilter", "verdict S", _bogofilter),
)
