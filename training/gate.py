"""The promotion gate: a candidate model must not be worse than the active one on fresh data.

Both models score the same held-out comments (the newest moderator labels, which the candidate
never saw, or a file the data scientist gives). The candidate is refused when it sends more
ham to the spam folder or catches less spam than the active model, beyond a tolerance: a
model that looks better on average but blocks more readers is not an improvement for a site.

The comparison says only what its data can say: when the site's comments are in a language
the held-out comments lack (an English file for a German site), the gate refuses too, since
it never saw how the candidate treats the site's readers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from spamschutz.model import SpamModel
from spamschutz.model.language import detect_language
from spamschutz.training.data import LabelledComment
from spamschutz.training.evaluate import quality_metrics

__all__ = [
    "MIN_GATE_COMMENTS",
    "MIN_GATE_PER_CLASS",
    "MIN_LANGUAGE_SHARE",
    "GateResult",
    "compare_models",
    "gate_slice_size",
    "languages_of",
]

# Fewer held-out labels than this cannot tell two models apart; the gate then refuses and
# asks for more data or a forced promotion with a reason.
MIN_GATE_COMMENTS = 20
# Spam caught is undefined without spam and ham blocked without ham: a slice that holds (almost)
# only one class would let a model through that was never checked on the other.
MIN_GATE_PER_CLASS = 5
# A language this large a part of the site's comments must be in the held-out comments too,
# and make up at least a tenth of them.
MIN_LANGUAGE_SHARE = 0.2
_LANGUAGE_NAMES = {"de": "German", "en": "English"}
_ROWS = (
    ("roc_auc", "ROC-AUC"),
    ("recall", "spam caught"),
    ("ham_blocked", "ham blocked"),
    ("precision", "precision"),
    ("mcc", "MCC"),
)


def _figure(value: object) -> str:
    return "-" if value is None else f"{float(value):.4f}"  # type: ignore[arg-type]


def gate_slice_size(labels: int) -> int:
    """How many of the newest moderator labels to keep out of training for the gate.

    A fifth, at least :data:`MIN_GATE_COMMENTS` and at most 2,000; none while there are too few
    labels to spare (a young site needs every label for training).
    """
    if labels < 2 * MIN_GATE_COMMENTS:
        return 0
    return min(max(labels // 5, MIN_GATE_COMMENTS), 2000)


@dataclass(frozen=True)
class GateResult:
    """The comparison, whether the candidate passed, and why not."""

    candidate: dict[str, object]
    active: dict[str, object] | None
    passed: bool
    problems: list[str]
    n: int
    # The held-out comments per language, and whether there were enough to compare at all.
    languages: dict[str, int] = field(default_factory=dict)
    comparable: bool = True

    def table(self) -> str:
        """The comparison as a plain-text table, one metric per line."""
        lines = [f"{'metric':<14}{'active':>10}{'candidate':>12}"]
        for key, label in _ROWS:
            old = self.active.get(key) if self.active else None
            new = self.candidate.get(key)
            lines.append(f"{label:<14}{_figure(old):>10}{_figure(new):>12}")
        spread = ", ".join(f"{lang or '?'} {count}" for lang, count in
                           sorted(self.languages.items(), key=lambda item: -item[1]))
        lines.append(f"on {self.n} held-out labelled comments" + (f" ({spread})" if spread else ""))
        return "\n".join(lines)


def languages_of(comments: Sequence[LabelledComment]) -> dict[str, int]:
    """How many of ``comments`` are in each language: their ``lang``, else a guess from the
    words (files often have no language column)."""
    return dict(Counter(
        comment.lang or detect_language(comment.text.lower().split()) for comment in comments
    ))


def _missing_languages(held_out: Mapping[str, int], site: Mapping[str, int]) -> list[str]:
    site_total, held_total = sum(site.values()), sum(held_out.values())
    if site_total < MIN_GATE_COMMENTS:
        return []  # too few comments on the site yet to say what its languages are
    return [
        lang for lang, count in sorted(site.items())
        if count / site_total >= MIN_LANGUAGE_SHARE
        and held_out.get(lang, 0) < max(1, held_total // 10)
    ]


def compare_models(
    candidate: SpamModel,
    active: SpamModel | None,
    comments: Sequence[LabelledComment],
    tolerance: float = 0.01,
    site_languages: Mapping[str, int] | None = None,
) -> GateResult:
    """Score ``comments`` with both models at their own thresholds and apply the gate.

    ``site_languages``: how many of the site's comments are in each language; a language the
    held-out comments lack is a refusal.
    """
    labels = [comment.label for comment in comments]
    inputs = [comment.as_input() for comment in comments]
    new = quality_metrics(labels, candidate.score(inputs), candidate.thresholds)
    old = quality_metrics(labels, active.score(inputs), active.thresholds) if active else None
    problems: list[str] = []
    languages = languages_of(comments)
    comparable = len(comments) >= MIN_GATE_COMMENTS and min(
        sum(labels), len(labels) - sum(labels)) >= MIN_GATE_PER_CLASS
    for lang in _missing_languages(languages, site_languages or {}):
        share = (site_languages or {})[lang] / sum((site_languages or {}).values())
        name = _LANGUAGE_NAMES.get(lang, lang)
        problems.append(
            f"the held-out comments hold {languages.get(lang, 0)} in {name} ({lang}), which is "
            f"{share:.0%} of this site's comments: the comparison says nothing about them; "
            f"give held-out labelled comments in {name} too"
        )
    if len(comments) < MIN_GATE_COMMENTS:
        problems.append(
            f"only {len(comments)} held-out labelled comments (at least {MIN_GATE_COMMENTS} "
            "are needed to compare models)"
        )
    elif min(n_spam := sum(labels), len(labels) - n_spam) < MIN_GATE_PER_CLASS:
        problems.append(
            f"the held-out labels hold {n_spam} spam and {len(labels) - n_spam} ham comments "
            f"(at least {MIN_GATE_PER_CLASS} of each are needed to compare models)"
        )
    elif old is not None:
        if float(new["ham_blocked"]) > float(old["ham_blocked"]) + tolerance:
            problems.append(
                f"blocks more ham: {new['ham_blocked']:.2%} against {old['ham_blocked']:.2%}"
            )
        if float(new["recall"]) < float(old["recall"]) - tolerance:
            problems.append(f"catches less spam: {new['recall']:.2%} against {old['recall']:.2%}")
    return GateResult(new, old, not problems, problems, len(comments), languages, comparable)
