"""What a moderator sees of a comment and of the queue: labels, badges, ages. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from spamschutz.service import formats
from spamschutz.service.api.rules import QUEUE_SORTS
from spamschutz.service.campaigns.describe import campaign_reason
from spamschutz.service.i18n import N_, translate
from spamschutz.service.moderation.highlight import Segment, highlight_segments
from spamschutz.service.moderation.reasons import ReasonLine, reason_lines

__all__ = [
    "ACTIONS",
    "ACTION_DONE",
    "ACTION_EFFECTS",
    "BANDS",
    "QUEUES",
    "SORTS",
    "AuditLine",
    "CampaignBadge",
    "CommentCard",
    "HistoryLine",
    "QueueHealth",
    "ReasonLine",
    "ScoreBadge",
    "audit_lines",
    "comment_card",
    "format_duration",
    "history_lines",
    "local_time",
    "queue_health",
    "reason_lines",
    "score_badge",
    "signal_lines",
]

# Status, sort order, decision and band -> the catalog key of its label.
QUEUES = {
    "pending": N_("queue.pending"),
    "spam": N_("queue.spam"),
    "approved": N_("queue.approved"),
    "rejected": N_("queue.rejected"),
}
_SORT_LABELS = {
    "age": N_("sort.age"),
    "newest": N_("sort.newest"),
    "score": N_("sort.score"),
    "uncertainty": N_("sort.uncertainty"),
}
# The desk offers the API's sorts, in the API's order: one vocabulary for both.
SORTS = {sort: _SORT_LABELS[sort] for sort in QUEUE_SORTS}
ACTIONS = {
    "approve": N_("action.approve"),
    "reject": N_("action.reject"),
    "spam": N_("action.spam"),
    "ham": N_("action.ham"),
}
# What each decision does with the comment and what it teaches the next model: approve and
# "not spam" both publish and label it ham ("not spam" says the model was wrong, for false
# alarms in the spam folder); reject keeps it off the site and is no label (rude or
# off-topic says nothing about spam); spam labels it spam.
ACTION_EFFECTS = {
    "approve": N_("effect.approve"),
    "reject": N_("effect.reject"),
    "spam": N_("effect.spam"),
    "ham": N_("effect.ham"),
}
ACTION_DONE = {
    "approve": N_("done.approve"),
    "reject": N_("done.reject"),
    "spam": N_("done.spam"),
    "ham": N_("done.ham"),
}
# A site's report (Akismet's submit-spam/submit-ham) is on the trail too: a label, no decision.
_AUDIT_ACTIONS = {
    **ACTIONS,
    "undo": N_("action.undo"),
    "report_spam": N_("action.report_spam"),
    "report_ham": N_("action.report_ham"),
}
BANDS = {"ham": N_("band.ham"), "unsure": N_("band.unsure"), "spam": N_("band.spam")}
# What the form reported about the question, and the decision rules that applied.
_CHALLENGE_KEYS = {"passed": N_("challenge.passed"), "not_asked": N_("challenge.not_asked")}
_RULE_KEYS = {
    "honeypot": N_("rule.honeypot"),
    "too_fast": N_("rule.too_fast"),
    "unscored": N_("rule.unscored"),
    "score_unsure": N_("rule.score_unsure"),
    "score_spam": N_("rule.score_spam"),
    "akismet_test_spam": N_("rule.akismet_test_spam"),
    "akismet_test_ham": N_("rule.akismet_test_ham"),
}


@dataclass(frozen=True)
class ScoreBadge:
    """The spam score as a label that never relies on colour alone, and its colour ``tone``."""

    label: str
    tone: str  # ham (green), unsure (amber), spam (red) or none (grey)


@dataclass(frozen=True)
class HistoryLine:
    """An earlier comment by the same commenter, as the card lists it."""

    thread_id: str
    when: str
    status: str
    status_label: str
    excerpt: str


@dataclass(frozen=True)
class AuditLine:
    """One recorded action on the comment: who, what, when."""

    when_iso: str
    text: str


@dataclass(frozen=True)
class CampaignBadge:
    """The campaign a comment is part of: a link to its view and the reason as words."""

    id: str
    label: str
    sweeping: bool


@dataclass(frozen=True)
class CommentCard:
    """Everything one card on the desk shows."""

    id: str
    thread_id: str
    thread_title: str | None
    thread_url: str | None  # only an http(s) address: it becomes a link
    author: str
    email: str | None
    url: str | None
    text: str
    status: str
    created_iso: str
    created_local: str
    age: str
    overdue: bool
    badge: ScoreBadge
    band: str | None
    band_label: str
    reasons: list[ReasonLine]
    signals: list[tuple[str, str]]
    row_version: int
    decided_by: str | None
    lang: str = "de"
    segments: list[Segment] | None = None
    history: list[HistoryLine] | None = None
    # Other comments from the same network address: a weak hint, shown as a number only.
    same_address: int = 0
    audit: list[AuditLine] | None = None
    campaign: CampaignBadge | None = None


@dataclass(frozen=True)
class QueueHealth:
    """How the pending queue stands against the review promise."""

    promise_hours: int
    oldest_hours: float | None
    oldest_age: str | None
    overdue: int
    due_soon: int = 0

    @property
    def meter_value(self) -> float:
        """The oldest comment's age for a ``<meter>``, held within its range."""
        return min(self.oldest_hours or 0.0, float(self.promise_hours))

    @property
    def late(self) -> bool:
        """The oldest pending comment has waited longer than promised."""
        return self.oldest_hours is not None and self.oldest_hours > self.promise_hours


def score_badge(score: float | None, band: str | None, lang: str = "de") -> ScoreBadge:
    """``0.97`` → ``97 %`` in the band's colour; no score → ``ohne Bewertung`` in grey.

    Rounding would turn 0.996 into "100 %" and 0.004 into "0 %", certainties the model does
    not claim; those ends read "> 99 %" and "< 1 %" instead.
    """
    if score is None:
        return ScoreBadge(translate("badge.none", lang), "none")
    tone = band if band in BANDS else "none"
    percent = round(score * 100)
    if percent >= 100 and score < 1:
        return ScoreBadge("> " + formats.percent(0.99, lang, 0), tone)
    if percent <= 0 < score:
        return ScoreBadge("< " + formats.percent(0.01, lang, 0), tone)
    return ScoreBadge(formats.percent(percent / 100, lang, 0), tone)


def format_duration(hours: float, lang: str = "de") -> str:
    """A moderator-friendly duration: ``3 Std. 12 Min.``, ``2 Tage 4 Std.`` (or English)."""
    return formats.duration(hours, lang)


def _label(keys: dict[str, str], code: str, lang: str) -> str:
    # A code this version does not know (stored by a newer one) is shown as it is.
    return translate(keys[code], lang) if code in keys else code


def _yes_no(value: object, lang: str) -> str:
    return translate(N_("yes") if value else N_("no"), lang)


def signal_lines(signals: Mapping[str, Any], lang: str = "de") -> list[tuple[str, str]]:
    """The form's bot signals as (label, value) pairs: honeypot, time, challenge, rules."""
    seconds = signals.get("seconds_to_submit")
    if isinstance(seconds, int | float):
        seconds_text = formats.seconds(seconds, lang)
    else:
        seconds_text = translate("unknown", lang)
    lines = [
        (translate("signal.honeypot", lang), _yes_no(signals.get("honeypot"), lang)),
        (translate("signal.seconds", lang), seconds_text),
        (translate("signal.too_fast", lang), _yes_no(signals.get("too_fast"), lang)),
    ]
    if signals.get("challenge"):
        challenge = str(signals["challenge"])
        lines.append((translate("signal.challenge", lang),
                       _label(_CHALLENGE_KEYS, challenge, lang)))
    verdict = signals.get("verdict_reasons")
    if isinstance(verdict, list) and verdict:
        lines.append((translate("signal.verdict", lang),
                       ", ".join(_label(_RULE_KEYS, str(code), lang) for code in verdict)))
    return lines


def _web_address(url: str | None) -> str | None:
    # Addresses come from readers' browsers and Akismet clients: only http(s) is a link.
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def _hours_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def local_time(moment: datetime, lang: str = "de") -> str:
    """``moment`` on the newsroom's clock, as ``31.12.2025, 18:05``."""
    return formats.local_datetime(moment, lang)


def history_lines(entries: Iterable[Any], lang: str = "de") -> list[HistoryLine]:
    """A commenter's earlier comments (:class:`spamschutz.service.storage.desk.HistoryEntry`)."""
    return [
        HistoryLine(
            thread_id=entry.thread_id,
            when=local_time(entry.created_at, lang),
            status=entry.status,
            status_label=_label(QUEUES, entry.status, lang),
            excerpt=entry.text if len(entry.text) <= 120 else entry.text[:119] + "…",
        )
        for entry in entries
    ]


def audit_lines(decisions: Iterable[Any], lang: str = "de") -> list[AuditLine]:
    """The recorded actions on a comment (:class:`spamschutz.service.storage.DecisionRow`), oldest
    first."""
    return [
        AuditLine(
            when_iso=decision.created_at.isoformat(),
            text=translate("audit.entry", lang, when=local_time(decision.created_at, lang),
                           action=_label(_AUDIT_ACTIONS, decision.action, lang),
                           who=decision.moderator),
        )
        for decision in decisions
    ]


def comment_card(
    row: Any,
    now: datetime,
    promise_hours: int,
    lang: str = "de",
    history: Any = None,
    decisions: Iterable[Any] = (),
    campaign: Any = None,
) -> CommentCard:
    """The card of one comment (a :class:`spamschutz.service.storage.CommentRow`) at time ``now``;
    ``history`` is its :class:`spamschutz.service.storage.desk.CommenterHistory`, ``campaign`` the
    :class:`spamschutz.service.storage.campaign_records.CampaignRow` it is part of."""
    age_hours = _hours_between(row.created_at, now)
    return CommentCard(
        id=row.public_id,
        thread_id=row.thread_id,
        thread_title=getattr(row, "thread_title", None),
        thread_url=_web_address(getattr(row, "permalink", None)),
        author=row.author_name,
        email=row.author_email,
        url=row.author_url,
        text=row.text,
        status=row.status,
        created_iso=row.created_at.isoformat(),
        created_local=local_time(row.created_at, lang),
        age=format_duration(age_hours, lang),
        overdue=row.status == "pending" and age_hours > promise_hours,
        badge=score_badge(row.score, row.band, lang),
        band=row.band,
        band_label=translate(BANDS.get(row.band or "", N_("band.none")), lang),
        reasons=reason_lines(row.reasons or (), lang),
        signals=signal_lines(row.signals or {}, lang),
        row_version=row.row_version,
        decided_by=row.decided_by,
        lang=getattr(row, "lang", None) or lang,
        segments=highlight_segments(row.text, row.reasons or ()),
        history=history_lines(history.same_email if history else (), lang),
        same_address=history.same_address if history else 0,
        audit=audit_lines(decisions, lang),
        campaign=CampaignBadge(campaign.public_id, campaign_reason(campaign, lang),
                               campaign.sweeps) if campaign is not None else None,
    )


def queue_health(
    oldest_pending: datetime | None,
    now: datetime,
    promise_hours: int,
    overdue: int,
    due_soon: int = 0,
    lang: str = "de",
) -> QueueHealth:
    """The pending queue's standing: the oldest comment's age, how many are overdue and how
    many fall due within two hours."""
    if oldest_pending is None:
        return QueueHealth(promise_hours, None, None, 0, 0)
    hours = _hours_between(oldest_pending, now)
    return QueueHealth(promise_hours, hours, format_duration(hours, lang), overdue, due_soon)
