"""A self-contained HTML evaluation report: curves, thresholds, calibration, features, mistakes.

One file, no external assets: figures are embedded PNGs and the style is inline, so the report
can be mailed or archived. Comment texts are hostile input (spam is written by attackers), so
every text, feature name and explanation is HTML-escaped, and a Content-Security-Policy forbids
scripts and remote loads should anything slip through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape, unescape
from itertools import zip_longest
from pathlib import Path

import numpy as np

from spamschutz.model import SpamModel, explain
from spamschutz.training.data import LabelledComment
from spamschutz.training.evaluate import (
    BANDS,
    HeldOut,
    band_confusion,
    reliability_table,
    threshold_table,
)
from spamschutz.training.figures import curves_figure, histogram_figure, reliability_figure
from spamschutz.training.protocols import cross_validate

__all__ = [
    "REPORT_FOLDS",
    "render_report",
    "strongest_features",
    "write_report",
    "write_training_report",
]

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.serving{background:#fff3c4;font-weight:600}img{max-width:100%}
.text{white-space:pre-wrap;word-break:break-word;max-width:40em}.reasons{font-size:90%;color:#555}
"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value: object, digits: int = 4) -> str:
    return "–" if value is None else f"{float(value):.{digits}f}"  # type: ignore[arg-type]


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    row_classes: Sequence[str] = (),
    text_columns: tuple[int, ...] = (0,),
) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(
            f"<td>{escape(str(cell))}</td>"
            if column in text_columns
            else f'<td class="n">{escape(str(cell))}</td>'
            for column, cell in enumerate(row)
        )
        marked = index < len(row_classes) and row_classes[index]
        body.append(f'<tr class="{escape(marked)}">{cells}</tr>' if marked else f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def strongest_features(
    models: Sequence[SpamModel], top: int = 15
) -> dict[str, dict[str, list[tuple[str, float]]]]:
    """Per feature block (words, chars, meta): the ``top`` largest positive (``spam``) and
    negative (``ham``) coefficients, averaged over ``models`` (a feature missing from a fold's
    vocabulary counts as 0 there)."""
    totals: dict[str, float] = defaultdict(float)
    for model in models:
        coefficients = model.pipeline.named_steps["classifier"].coef_.ravel()
        for name, value in zip(model.feature_names, coefficients, strict=True):
            totals[name] += float(value) / len(models)
    blocks: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for name, value in totals.items():
        block, _, feature = name.partition("__")
        blocks[block].append((feature.removeprefix("meta:"), value))
    return {
        block: {
            "spam": sorted((f for f in features if f[1] > 0), key=lambda f: -f[1])[:top],
            "ham": sorted((f for f in features if f[1] < 0), key=lambda f: f[1])[:top],
        }
        for block, features in blocks.items()
    }


def _features_html(models: Sequence[SpamModel]) -> str:
    if not models:
        return "<p>The fold models were not kept, so their features cannot be shown.</p>"
    parts = []
    for block, sides in strongest_features(models).items():
        # Spaces matter in character n-grams (word starts and ends), so they are made visible.
        shown = (lambda f: f.replace(" ", "␣")) if block == "chars" else str
        rows = [
            (
                shown(spam[0]) if spam else "",
                f"{spam[1]:+.2f}" if spam else "",
                shown(ham[0]) if ham else "",
                f"{ham[1]:+.2f}" if ham else "",
            )
            for spam, ham in zip_longest(sides["spam"], sides["ham"])
        ]
        headers = ("towards spam", "weight", "towards ham", "weight")
        parts.append(f"<h3>{escape(block)}</h3>" + _table(headers, rows, text_columns=(0, 2)))
    return "".join(parts)


def _mistakes_html(held_out: HeldOut, top: int) -> str:
    labels, scores = held_out.labels, held_out.scores
    worst_ham = [i for i in np.argsort(-scores, kind="stable") if labels[i] == 0][:top]
    worst_spam = [i for i in np.argsort(scores, kind="stable") if labels[i] == 1][:top]
    parts = []
    for title, indices in (("Highest-scored ham", worst_ham), ("Lowest-scored spam", worst_spam)):
        rows = []
        for i in indices:
            comment = held_out.comments[i]
            reasons = ""
            if held_out.models:
                found = explain(held_out.models[held_out.fold[i]], comment.as_input())
                reasons = "; ".join(f"{r.description} ({r.weight:+.2f})" for r in found)
            rows.append(
                f'<tr><td class="n">{scores[i]:.3f}</td><td>{escape(comment.group)}</td>'
                # Exports such as the YouTube Spam Collection keep text HTML-escaped
                # (I&#39;m): shown as the commenter wrote it, escaped once.
                f'<td><div class="text">{escape(unescape(comment.text)[:600])}</div>'
                f'<div class="reasons">{escape(reasons)}</div></td></tr>'
            )
        parts.append(
            f"<h3>{title}</h3><table><tr><th>score</th><th>group</th>"
            f"<th>comment and why it scored so</th></tr>{''.join(rows)}</table>"
        )
    return "".join(parts)


def _summary_rows(figures: Mapping[str, object]) -> list[tuple[str, str]]:
    return [
        ("comments", f"{figures['n']} ({figures['n_spam']} spam, {figures['n_ham']} ham)"),
        ("ROC-AUC", _num(figures["roc_auc"])),
        ("PR-AUC", _num(figures["pr_auc"])),
        ("MCC at the spam-folder threshold", _num(figures["mcc"])),
        ("MCC at 0.5", _num(figures["mcc_at_0_5"])),
        ("spam caught (spam folder)", _pct(figures["recall"])),  # type: ignore[arg-type]
        ("ham blocked (spam folder)", _pct(figures["ham_blocked"])),  # type: ignore[arg-type]
        ("spam at least unsure", _pct(figures["spam_flagged"])),  # type: ignore[arg-type]
        ("ham at least unsure", _pct(figures["ham_flagged"])),  # type: ignore[arg-type]
        (
            f"precision among scores ≥ 0.9 ({figures['n_at_0_9']} comments)",
            _pct(figures["precision_at_0_9"]),  # type: ignore[arg-type]
        ),
        ("Brier score", _num(figures["brier"])),
    ]


def _folds_html(details: Mapping[str, object]) -> str:
    folds = details.get("per_fold") or []
    rows = [
        (
            f["fold"],
            f.get("group", ""),
            f["n"],
            _num(f["roc_auc"]),
            _num(f["mcc"]),
            _pct(f["recall"]),
            _pct(f["ham_blocked"]),
            _num(f["thresholds"]["spam"], 3),
        )
        for f in folds  # type: ignore[union-attr]
    ]
    headers = ("fold", "held out", "n", "ROC-AUC", "MCC", "spam caught", "ham blocked", "spam ≥")
    return f"<h2>Folds</h2>{_table(headers, rows)}" if rows else ""


def _cut_text(row: Mapping[str, object]) -> str:
    low, high = float(row["low"]), float(row["high"])  # type: ignore[arg-type]
    return f"{low:.3f}" if np.isclose(low, high) else f"{low:.3f}–{high:.3f} (per fold)"


def _thresholds_html(held_out: HeldOut) -> str:
    table = threshold_table(held_out)
    rows = [
        (
            _cut_text(r) + (f" ← {r['serving']}" if r["serving"] else ""),
            _pct(r["spam_caught"]),
            _pct(r["ham_blocked"]),
            _pct(r["precision"]),
            r["n_above"],
        )
        for r in table
    ]
    headers = ("threshold", "spam caught", "ham blocked", "precision", "comments above")
    return _table(headers, rows, ["serving" if r["serving"] else "" for r in table])


def _confusion_html(held_out: HeldOut) -> str:
    rows = [
        (
            f"truly {truth}",
            *(f"{counts[b]} ({_pct(counts[b] / max(sum(counts.values()), 1))})" for b in BANDS),
        )
        for truth, counts in band_confusion(held_out).items()
    ]
    return _table(("", *(f"scored {b}" for b in BANDS)), rows)


def _calibration_html(labels: np.ndarray, scores: np.ndarray, brier: object) -> str:
    reliability = reliability_table(labels, scores)
    rows = [
        (
            f"{r['low']:.1f}–{r['high']:.1f}",
            r["n"],
            _num(r["mean_score"], 3),
            _num(r["spam_share"], 3),
        )
        for r in reliability
    ]
    return (
        f"<p>Brier score {_num(brier)} (0 is perfect).</p>"
        f'<img alt="reliability diagram" src="{reliability_figure(reliability)}">'
        + _table(("score bin", "comments", "mean score", "share spam"), rows)
    )


def render_report(
    held_out: HeldOut, *, title: str, details: Mapping[str, object] | None = None, top: int = 10
) -> str:
    """The report as one HTML document. ``details`` is a protocol result (for the protocol's
    name and the per-fold table) or ``None`` for a single model's evaluation."""
    details = details or {}
    labels, scores = held_out.labels, held_out.scores
    figures = held_out.metrics()
    cuts = {
        "spam folder": float(held_out.spam_cuts.mean()),
        "unsure": float(held_out.unsure_cuts.mean()),
    }
    if (labels == 1).any() and (labels == 0).any():
        point = (figures["ham_blocked"], figures["recall"])
        image = curves_figure(labels, scores, point)
        curves = f'<img alt="ROC and precision-recall curves" src="{image}">'
    else:
        curves = "<p>Curves need both spam and ham.</p>"
    protocol = str(details.get("protocol") or "one model on held-out data")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{escape(title)}</title><style>{_STYLE}</style></head><body>
<h1>{escape(title)}</h1>
<p>Protocol: {escape(protocol)}. Generated {generated}.</p>
{_table(("figure", "value"), _summary_rows(figures))}
{_folds_html(details)}
<h2>Curves</h2>{curves}
<h2>Scores by class</h2><img alt="score histograms" src="{histogram_figure(labels, scores, cuts)}">
<h2>Spam caught and ham blocked by threshold</h2>{_thresholds_html(held_out)}
<h2>Serving bands against the truth</h2>{_confusion_html(held_out)}
<h2>Calibration</h2>{_calibration_html(labels, scores, figures["brier"])}
<h2>Strongest features</h2>{_features_html(held_out.models)}
<h2>Worst mistakes</h2>{_mistakes_html(held_out, top)}
</body></html>
"""


def write_report(path: str | Path, held_out: HeldOut, **options: object) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(held_out, **options), encoding="utf-8")  # type: ignore[arg-type]
    return path


# The report kept with every trained model: its training data, cross-validated. Written
# beside the artefact by ``spamschutz train`` so a version's figures, curves and worst
# mistakes can be looked up later, from ``spamschutz models list`` or the moderation
# dashboard. Its folds train their own models (vocabulary included) on their training part, as
# ``spamschutz evaluate --cv`` does, so its figures are honest estimates for unseen comments.
REPORT_FOLDS = 5


def _quiet(_: str) -> None:
    return None


def write_training_report(
    comments: Sequence[LabelledComment],
    path: str | Path,
    version: str,
    *,
    target_ham_blocked: float = 0.005,
    pipeline_params: Mapping[str, object] | None = None,
    progress: Callable[[str], None] = _quiet,
) -> Path:
    """Cross-validate on ``comments`` and write the HTML report of model ``version`` to
    ``path``, with the thresholds and pipeline settings training used (``target_ham_blocked``,
    ``pipeline_params``).
    Raises ``spamschutz.training.ProtocolError`` or ``TrainingError`` when the data is too
    small to split into folds."""
    result = cross_validate(
        list(comments),
        REPORT_FOLDS,
        target_ham_blocked=target_ham_blocked,
        keep_models=True,
        pipeline_params=pipeline_params,
        progress=progress,
    )
    held_out = result.pop("held_out")
    title = f"spamschutz model {version}: {result['protocol']} on its training data"
    return write_report(path, held_out, title=title, details=result)
