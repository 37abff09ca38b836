"""Robustness to disguised spam: how much spam each spammer's trick gets past the model.

    .venv/bin/python -m bench.evasion [--datasets ../shared/datasets] [--out bench/results]

Leave one video out over the YouTube Spam Collection: a model trained on four videos scores the
fifth video's comments as they are and disguised by each trick of ``training/evasion.py``. Spam
caught is compared at the spam-folder and at the 'unsure' threshold; ham blocked shows whether a
trick makes honest comments look like spam. Word TF-IDF + LogisticRegression (cut at 0.5) is
shown beside it, to show what normalisation buys. Writes ``evasion.md`` and ``evasion.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from bench.quality import DEFAULT_DATASETS, REPO_ROOT, markdown_table, youtube_comments
from spamschutz.training import LabelledComment, train_model
from spamschutz.training.evasion import TRANSFORMS
from spamschutz.training.protocols import group_splits
from spamschutz.training.train import deduplicate

__all__ = ["main", "score_disguised"]

COLUMNS = (
    ("trick", "trick"),
    ("spam changed", "changed"),
    ("caught, spam folder", "folder"),
    ("Δ points", "folder_delta"),
    ("caught, unsure or above", "unsure"),
    ("Δ points", "unsure_delta"),
    ("ham blocked", "ham_blocked"),
    ("baseline caught", "baseline"),
    ("baseline Δ", "baseline_delta"),
)


PERCENT = ("folder", "unsure", "ham_blocked", "baseline")


def score_disguised(
    comments: Sequence[LabelledComment],
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-video-out scores of every comment as it is (``"none"``) and under each trick,
    for spamschutz and the baseline, and each comment's spam and unsure thresholds."""
    splits, names = group_splits(comments, "group")
    tricks = {"none": lambda text: text, **TRANSFORMS}
    scores = {name: np.zeros(len(comments)) for name in tricks}
    baseline = {name: np.zeros(len(comments)) for name in tricks}
    spam_cut, unsure_cut = np.zeros(len(comments)), np.zeros(len(comments))
    for (train, test), video in zip(splits, names, strict=True):
        print(f"holding out {video}", file=sys.stderr)
        train_part = deduplicate([comments[i] for i in train])
        model = train_model(train_part)
        words = make_pipeline(TfidfVectorizer(), LogisticRegression())
        words.fit([c.text for c in train_part], [c.label for c in train_part])
        spam_cut[test], unsure_cut[test] = model.thresholds.spam, model.thresholds.unsure
        for name, trick in tricks.items():
            inputs = [{**comments[i].as_input(), "text": trick(comments[i].text)} for i in test]
            scores[name][test] = model.score(inputs)
            baseline[name][test] = words.predict_proba([i["text"] for i in inputs])[:, 1]
    labels = np.asarray([c.label for c in comments])
    return scores, baseline, labels, spam_cut, unsure_cut


def _example(
    comments: Sequence[LabelledComment],
    plain: np.ndarray,
    disguised: np.ndarray,
    name: str,
    labels: np.ndarray,
) -> dict[str, object]:
    drop = np.where(labels == 1, plain - disguised, -np.inf)
    worst = int(np.argmax(drop))
    return {
        "text": comments[worst].text,
        "disguised": TRANSFORMS[name](comments[worst].text),
        "score": round(float(plain[worst]), 3),
        "disguised_score": round(float(disguised[worst]), 3),
    }


def _quoted(text: str, limit: int = 70) -> str:
    shown = text if len(text) <= limit else text[:limit] + "…"
    return "`" + shown.replace("`", "'").replace("\n", " ") + "`"


def _changed_share(comments: Sequence[LabelledComment], name: str) -> str:
    if name == "none":
        return "–"
    texts = [c.text for c in comments if c.label == 1]
    return f"{np.mean([TRANSFORMS[name](text) != text for text in texts]):.0%}"


def main(argv: Sequence[str] | None = None) -> None:
    """Score every trick, print the table and write ``evasion.md`` and ``evasion.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    comments = youtube_comments(args.datasets)
    scores, baseline, labels, spam_cut, unsure_cut = score_disguised(comments)
    spam, ham = labels == 1, labels == 0

    def caught(values: np.ndarray, cut: np.ndarray | float) -> float:
        return float(np.mean(values[spam] >= (cut[spam] if isinstance(cut, np.ndarray) else cut)))

    plain = {
        "folder": caught(scores["none"], spam_cut),
        "unsure": caught(scores["none"], unsure_cut),
        "baseline": caught(baseline["none"], 0.5),
    }
    rows = []
    for name in ["none", *TRANSFORMS]:
        row = {
            "trick": name,
            "changed": _changed_share(comments, name),
            "folder": caught(scores[name], spam_cut),
            "unsure": caught(scores[name], unsure_cut),
            "ham_blocked": float(np.mean(scores[name][ham] >= spam_cut[ham])),
            "baseline": caught(baseline[name], 0.5),
        }
        for key in ("folder", "unsure", "baseline"):
            row[f"{key}_delta"] = f"{100 * (row[key] - plain[key]):+.1f}"
        if name != "none":
            row["example"] = _example(comments, scores["none"], scores[name], name, labels)
        rows.append(row)
    args.out.mkdir(parents=True, exist_ok=True)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    (args.out / "evasion.json").write_text(
        json.dumps(
            {"generated": generated, "command": "python -m bench.evasion", "rows": rows},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    examples = [
        f"- {row['trick']}: {_quoted(row['example']['disguised'])} scored "
        f"{row['example']['disguised_score']}, plain {row['example']['score']}"
        if row["example"]["score"] - row["example"]["disguised_score"] >= 0.05
        else f"- {row['trick']}: no spam comment lost 0.05 or more of its score"
        for row in rows[1:]
    ]
    text = (
        f"# Evasion ({generated})\n\nCommand: `python -m bench.evasion`. Leave one video out, "
        f"{int(spam.sum())} spam, {int(ham.sum())} ham; Δ in points against the plain text.\n\n"
        f"{markdown_table(rows, COLUMNS, PERCENT)}\n\n"
        "The spam comment whose score each trick lowered most:\n\n" + "\n".join(examples) + "\n"
    )
    (args.out / "evasion.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
