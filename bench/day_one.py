"""Day one: the model a fresh install has, scored on real comments nobody here wrote.

    .venv/bin/python -m bench.day_one [--datasets DIR] [--out bench/results]

The starter model, trained exactly as a fresh install trains it, scores every real file in the
datasets folder (each YouTube Spam Collection video, the German reader comments) as they are
and in variants that must not make honest comments spam (``spamschutz.training.variants``):
every comment with a personal website, the three line endings, ham citing a reference site. Then
what a site gets after retraining on such data: a model trained on the starter corpus and all five
videos scores the German readers, and leave one video out (starter + four videos, the fifth scored).
Writes ``day_one.md`` and ``day_one.json`` to the output folder.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from bench.day_one_report import markdown
from bench.quality import DEFAULT_DATASETS, REPO_ROOT, environment, figures
from spamschutz.model import ModelStore, SpamModel
from spamschutz.training import LabelledComment, read_comments, train_model
from spamschutz.training import starter as starter_corpus
from spamschutz.training.variants import (
    LINE_ENDINGS,
    with_line_endings,
    with_reference_link,
    with_website,
)

__all__ = [
    "PUBLIC_FILES_IN_STARTER",
    "DataFile",
    "main",
    "read_datasets",
    "retrained_model",
    "run",
    "starter_model",
    "write_report",
]

# Public data files (relative to the datasets folder) that the starter corpus includes. Each is
# scored by a starter model trained without it, so that no day-one figure is measured on the
# model's own training data.
PUBLIC_FILES_IN_STARTER: tuple[str, ...] = ()

# Where the real comments are, and the language their site would be in.
CORPORA = (
    ("youtube-spam-collection", "Youtube0*.csv", "en"),
    ("german-reader-comments", "*.jsonl", "de"),
)
YOUTUBE = "youtube-spam-collection"


@dataclass(frozen=True)
class DataFile:
    """One real file: its name below the datasets folder, its site's language, its comments,
    and where it is."""

    name: str
    lang: str
    comments: tuple[LabelledComment, ...]
    path: Path

    @property
    def is_video(self) -> bool:
        """Whether it is one of the YouTube Spam Collection's videos."""
        return self.name.startswith(f"{YOUTUBE}/")


def read_datasets(datasets: Path) -> list[DataFile]:
    """Every real file under ``datasets``; exits with a clear message when there is none."""
    files = [
        DataFile(f"{folder}/{path.name}", lang, tuple(read_comments(path)), path)
        for folder, pattern, lang in CORPORA
        for path in sorted((datasets / folder).glob(pattern))
    ]
    if not any(file.is_video for file in files):
        sys.exit(
            f"error: no YouTube Spam Collection files in {datasets / YOUTUBE}. Give the folder "
            "that holds youtube-spam-collection/ and german-reader-comments/ with --datasets DIR "
            "(default: SPAMSCHUTZ_DATASETS, else ../shared/datasets beside the repository)."
        )
    return files


def _starter_without(without: str | None) -> list[LabelledComment]:
    comments = starter_corpus.starter_comments()
    if without is None:
        return comments
    # The readers of spamschutz.training.data give a file's comments its stem as their group.
    kept = [c for c in comments if c.group != Path(without).stem]
    if len(kept) == len(comments):
        raise ValueError(
            f"{without} is listed in PUBLIC_FILES_IN_STARTER, but no starter comment comes "
            "from it: the list, or how the starter corpus names its sources, has changed"
        )
    return kept


@functools.cache
def starter_model(without: str | None = None) -> SpamModel:
    """The starter model as a fresh install trains it (``spamschutz.starter``), trained once
    per run; ``without`` names a public file of the starter corpus to leave out."""
    comments = _starter_without(without)
    # The install's own function once spamschutz.training.starter has one (it holds the starter's
    # settings); until then the call spamschutz/starter.py makes: Context.train_and_store on
    # the starter corpus, train_model's defaults.
    train_starter = getattr(starter_corpus, "train_starter_model", None)
    if train_starter is None:
        return train_model(comments, sources=[{"kind": "starter", "n": len(comments)}])
    if without is None:
        return train_starter()
    if "comments" not in inspect.signature(train_starter).parameters:
        raise TypeError(
            f"leaving {without} out of the starter corpus needs "
            "spamschutz.training.starter.train_starter_model(comments=…), so that the model "
            "keeps the starter's settings"
        )
    return train_starter(comments=comments)


def retrained_model(files: Sequence[DataFile], without: str | None = None) -> SpamModel:
    """A site's model after ``spamschutz train --starter --data FILE …`` with ``files``: the
    command itself runs, on a throw-away data directory, so the benchmark follows however the
    command trains. A site cannot leave a file out of ``--starter``; for ``without`` (a public
    file of the starter corpus) the rest of the corpus is given as one more data file instead."""
    with tempfile.TemporaryDirectory(prefix="spamschutz-day-one-") as scratch:
        folder = Path(scratch)
        starter = ["--starter"]
        if without is not None:
            corpus = folder / "starter.jsonl"
            rows = (json.dumps(c.as_dict(), ensure_ascii=False) for c in _starter_without(without))
            corpus.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
            starter = ["--data", str(corpus)]
        data = [argument for f in files for argument in ("--data", str(f.path))]
        # Only this data directory: a SPAMSCHUTZ_DATABASE_URL of the shell must not get a model.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPAMSCHUTZ_")}
        env["SPAMSCHUTZ_DATA_DIR"] = str(folder / "data")
        done = subprocess.run(
            [sys.executable, "-m", "spamschutz", "train", *starter, *data, "--no-report", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"spamschutz train failed: {done.stderr[-2000:]}")
        trained = json.loads(done.stdout)
        store = ModelStore(folder / "data" / "models")
        return store.load(trained["version"], trained["sha256"])


StarterModel = Callable[[str | None], SpamModel]
Retrain = Callable[[Sequence[DataFile], str | None], SpamModel]


@dataclass
class Scores:
    """Scores of some comments and the thresholds of the model that gave each one."""

    labels: np.ndarray
    scores: np.ndarray
    spam_cut: np.ndarray
    unsure_cut: np.ndarray

    @classmethod
    def of(cls, model: SpamModel, comments: Sequence[LabelledComment]) -> Scores:
        """``model``'s scores of ``comments``."""
        scores = np.asarray(model.score([c.as_input() for c in comments]), dtype=float)
        n = len(comments)
        return cls(
            np.asarray([c.label for c in comments], dtype=int),
            scores,
            np.full(n, model.thresholds.spam),
            np.full(n, model.thresholds.unsure),
        )

    @classmethod
    def pooled(cls, parts: Sequence[Scores]) -> Scores:
        """Several parts as one, each comment keeping its own model's thresholds."""
        return cls(*(np.concatenate([getattr(p, k) for p in parts]) for k in cls.__annotations__))

    def figures(self) -> dict[str, object]:
        """n, ROC-AUC, MCC and spam caught (when both classes are there), ham blocked (at or
        above the spam-folder threshold) and ham flagged (at or above 'unsure'), with counts."""
        blocked = self.scores >= self.spam_cut
        flagged = self.scores >= self.unsure_cut
        ham, spam = self.labels == 0, self.labels == 1
        row: dict[str, object] = {"n": int(self.labels.size), "n_spam": int(spam.sum())}
        row |= dict.fromkeys(("roc_auc", "pr_auc", "mcc", "spam_caught", "ham_blocked"))
        if ham.any() and spam.any():
            row |= figures(self.labels, self.scores, blocked)
        if spam.any():
            row["spam_caught"] = float(blocked[spam].mean())
        if ham.any():
            row["ham_blocked"] = float(blocked[ham].mean())
        row["ham_flagged"] = float(flagged[ham].mean()) if ham.any() else None
        row["ham_blocked_n"] = int(blocked[ham].sum())
        row["ham_flagged_n"] = int(flagged[ham].sum())
        return row


def _with_pooled(per_file: dict[str, Scores], files: Sequence[DataFile]) -> list[dict]:
    rows = [{"file": name, **scores.figures()} for name, scores in per_file.items()]
    videos = [per_file[f.name] for f in files if f.is_video and f.name in per_file]
    if len(videos) > 1:
        rows.append({"file": "YouTube, all videos pooled", **Scores.pooled(videos).figures()})
    if len(per_file) > len(videos):
        rows.append(
            {"file": "all files pooled", **Scores.pooled(list(per_file.values())).figures()}
        )
    return rows


def _starter_scores(
    files: Sequence[DataFile], models: Mapping[str, SpamModel]
) -> dict[str, object]:
    """Each file scored by its starter model (``models[file.name]``), as it is and in variants."""
    plain, websites, endings, citing = {}, {}, [], []
    for file in files:
        model = models[file.name]
        plain[file.name] = Scores.of(model, file.comments)
        websites[file.name] = Scores.of(model, [with_website(c) for c in file.comments])
        endings.append(_line_endings(model, file))
        ham = [c for c in file.comments if c.label == 0]
        cited = Scores.of(model, [with_reference_link(c, file.lang) for c in ham]).figures()
        before = Scores.of(model, ham).figures()
        citing.append(
            {"file": file.name, "n": len(ham), "before": before, "with_reference_link": cited}
        )
    return {
        "as_they_are": _with_pooled(plain, files),
        "with_websites": _with_pooled(websites, files),
        "line_endings": endings,
        "ham_citing_reference_sites": citing,
    }


def _line_endings(model: SpamModel, file: DataFile) -> dict[str, object]:
    """The largest change of any comment's score between its ``\\n``, ``\\r\\n`` and ``\\r``
    versions, and ham flagged under each ending."""
    by_ending = {}
    for name, ending in LINE_ENDINGS.items():
        variant = [replace(c, text=with_line_endings(c.text, ending)) for c in file.comments]
        by_ending[name] = Scores.of(model, variant)
    stacked = np.vstack([s.scores for s in by_ending.values()])
    change = stacked.max(axis=0) - stacked.min(axis=0)
    return {
        "file": file.name,
        "n": len(file.comments),
        "with_line_breaks": sum(any(b in c.text for b in "\r\n") for c in file.comments),
        "largest_change": float(change.max()),
        "changed_over_0_01": int((change > 0.01).sum()),
        "ham_flagged": {name: s.figures().get("ham_flagged") for name, s in by_ending.items()},
    }


def _retrained_scores(files: Sequence[DataFile], model: SpamModel) -> list[dict[str, object]]:
    """The files no video model learnt from (the German readers), scored by ``model`` as they
    are, with websites and citing reference sites."""
    rows = []
    for file in files:
        if file.is_video:
            continue
        variants = {
            "as they are": list(file.comments),
            "every reader with a website": [with_website(c) for c in file.comments],
            "ham citing a reference site": [
                with_reference_link(c, file.lang) if c.label == 0 else c for c in file.comments
            ],
        }
        for variant, comments in variants.items():
            rows.append(
                {"file": file.name, "variant": variant, **Scores.of(model, comments).figures()}
            )
    return rows


def _timed(train: Callable[..., SpamModel], *arguments: object) -> tuple[SpamModel, float]:
    started = time.perf_counter()
    model = train(*arguments)
    return model, time.perf_counter() - started


def _train_all(
    files: Sequence[DataFile],
    starter: StarterModel,
    retrain: Retrain,
    public: Sequence[str],
    jobs: int,
) -> dict[str, tuple[SpamModel, float]]:
    """Every model the benchmark scores with, trained side by side in ``jobs`` processes:
    ``starter`` (and ``starter without <file>`` for each public file), ``all videos`` and
    ``without <video>`` for leave one video out. Each with its training time in seconds."""
    videos = [f for f in files if f.is_video]
    present = {f.name for f in files}
    needs: dict[str, tuple[Callable[..., SpamModel], tuple[object, ...]]] = {
        "starter": (starter, (None,)),
        **{f"starter without {n}": (starter, (n,)) for n in public if n in present},
        "all videos": (retrain, (videos, None)),
    }
    for held_out in videos:
        others = [f for f in videos if f is not held_out]
        without = held_out.name if held_out.name in public else None
        needs[f"without {held_out.name}"] = (retrain, (others, without))
    print(f"training {len(needs)} models in {jobs} process(es)", file=sys.stderr)
    trained = Parallel(n_jobs=jobs)(
        delayed(_timed)(train, *arguments) for train, arguments in needs.values()
    )
    return dict(zip(needs, trained, strict=True))


def run(
    files: Sequence[DataFile],
    starter: StarterModel = starter_model,
    retrain: Retrain = retrained_model,
    public: Sequence[str] = PUBLIC_FILES_IN_STARTER,
    jobs: int = 1,
) -> dict[str, object]:
    """Every measurement of the day-one benchmark on ``files``: ``starter`` gives the starter
    model (without a public file, for the files in ``public``), ``retrain`` a model trained on
    the starter corpus and more comments; the models are trained in ``jobs`` processes."""
    trained = _train_all(files, starter, retrain, public, jobs)
    model = trained["starter"][0]
    by_file = {
        f.name: trained[f"starter without {f.name}" if f.name in public else "starter"][0]
        for f in files
    }
    videos = [f for f in files if f.is_video]
    held_out = {v.name: Scores.of(trained[f"without {v.name}"][0], v.comments) for v in videos}
    return {
        "starter_model": {
            "version": model.metadata.get("version"),
            "data": model.metadata.get("data", {}),
            "thresholds": {"spam": model.thresholds.spam, "unsure": model.thresholds.unsure},
            "training_seconds": round(trained["starter"][1], 1),
        },
        "public_files_in_starter": list(public),
        "files": [{"name": f.name, "lang": f.lang, "n": len(f.comments)} for f in files],
        "training_seconds": {name: round(seconds, 1) for name, (_, seconds) in trained.items()},
        "jobs": jobs,
        **_starter_scores(files, by_file),
        "retrained_on_all_videos": {
            "rows": _retrained_scores(files, trained["all videos"][0]),
            "training_seconds": round(trained["all videos"][1], 1),
        },
        "leave_one_video_out": _with_pooled(held_out, files),
    }


def _checkout() -> str | None:
    """The commit the figures were measured on (``-dirty`` with local changes)."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def write_report(results: dict[str, object], out: Path, seconds: float) -> str:
    """Write ``results`` (of :func:`run`) with how and where they were measured to
    ``out/day_one.json`` and ``out/day_one.md``; returns the markdown."""
    report = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.day_one",
        "environment": {
            **environment(),
            "spamschutz": version("spamschutz"),
            "commit": _checkout(),
        },
        "seconds": round(seconds, 1),
        **results,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "day_one.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report)
    (out / "day_one.md").write_text(text)
    return text


def main(argv: Sequence[str] | None = None) -> None:
    """Read the datasets, run every measurement and write ``day_one.md`` and ``day_one.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    parser.add_argument(
        "--jobs", type=int, default=2, help="models trained side by side (default: 2)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = run(read_datasets(args.datasets), jobs=args.jobs)
    print(write_report(results, args.out, time.perf_counter() - started))


if __name__ == "__main__":
    # The module's own main, not __main__'s: the training processes find the functions they
    # are sent by their module's name, and __main__ is another module there.
    from bench.day_one import main as day_one_main

    day_one_main()
