"""What a moderator sees of a comment and of the queue: labels, badges, ages. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from service.moderation.highlight import Segment, highlight_segments
from service.moderation.i18n import translate

__all__ = [
    "ACTION_DONE",
    "ACTION_LABELS",
    "QUEUES",
    "SORT_LABELS",
    "AuditLine",
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

QUEUES = {
    "pending": "Zu prüfen",
    "spam": "Spam-Ordner",
    "approved": "Freigegeben",
    "rejected": "Abgelehnt",
}
SORT_LABELS = {
    "age": "Älteste zuerst",
    "score": "Höchster Spam-Wert zuerst",
    "uncertainty": "Unsicherste zuerst",
}
ACTION_LABELS = {"approve": "Freigeben", "reject": "Ablehnen", "spam": "Spam", "ham": "Kein Spam"}
ACTION_DONE = {
    "approve": "freigegeben",
    "reject": "abgelehnt",
    "spam": "als Spam markiert",
    "ham": "als „Kein Spam“ freigegeben",
}
_BAND_LABELS = {"ham": "unbedenklich", "unsure": "unsicher", "spam": "Spam"}

def _newsroom_zone() -> tzinfo:
    # The desk serves German newsrooms, so times are shown as their clocks show them; a
    # system without time-zone data still shows correct UTC times.
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:
        return UTC


_LOCAL_TIME = _newsroom_zone()


@dataclass(frozen=True)
class ScoreBadge:
    """The spam score as a label that never relies on colour alone, and its colour ``tone``."""

    label: str
    tone: str  # ham (green), unsure (amber), spam (red) or none (grey)


@dataclass(frozen=True)
class ReasonLine:
    """One reason for the score: ``↑ spam: link to x.ru`` or ``↓ ham: “stadtrat”``."""

    arrow: str
    direction: str
    description: str
    weight: float | None


@dataclass(frozen=True)
class HistoryLine:
    """An earlier comment by the same commenter, as the card lists it."""

    thread_id: str
    when: str
    status: str
    status_label: str
    excerpt: str
    link: str  # "same e-mail" or "same connection"


@dataclass(frozen=True)
class AuditLine:
    """One recorded action on the comment: who, what, when."""

    when_iso: str
    text: str


@dataclass(frozen=True)
class CommentCard:
    """Everything one card on the desk shows."""

    id: str
    thread_id: str
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
    audit: list[AuditLine] | None = None


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
    tone = band if band in _BAND_LABELS else "none"
    percent = round(score * 100)
    if percent >= 100 and score < 1:
        return ScoreBadge("> 99 %", tone)
    if percent <= 0 < score:
        return ScoreBadge("< 1 %", tone)
    return ScoreBadge(f"{percent} %", tone)


def format_duration(hours: float, lang: str = "de") -> str:
    """A moderator-friendly duration: ``3 Std. 12 Min.``, ``2 Tage 4 Std.`` (or English)."""
    if lang == "en":
        return _english_duration(hours)
    minutes = max(0, int(hours * 60))
    if minutes < 1:
        return "weniger als 1 Min."
    days, minutes = divmod(minutes, 24 * 60)
    whole_hours, minutes = divmod(minutes, 60)
    if days:
        day_word = "Tag" if days == 1 else "Tage"
        return f"{days} {day_word} {whole_hours} Std." if whole_hours else f"{days} {day_word}"
    if whole_hours:
        return f"{whole_hours} Std. {minutes} Min." if minutes else f"{whole_hours} Std."
    return f"{minutes} Min."


def _english_duration(hours: float) -> str:
    minutes = max(0, int(hours * 60))
    if minutes < 1:
        return "less than 1 min"
    days, minutes = divmod(minutes, 24 * 60)
    whole_hours, minutes = divmod(minutes, 60)
    if days:
        day_word = "day" if days == 1 else "days"
        return f"{days} {day_word} {whole_hours} h" if whole_hours else f"{days} {day_word}"
    if whole_hours:
        return f"{whole_hours} h {minutes} min" if minutes else f"{whole_hours} h"
    return f"{minutes} min"


def reason_lines(reasons: Iterable[Any]) -> list[ReasonLine]:
    """The model's reasons as short lines; entries of an unexpected shape are skipped."""
    lines = []
    for reason in reasons:
        if not isinstance(reason, Mapping) or not reason.get("description"):
            continue
        weight = reason.get("weight")
        weight = float(weight) if isinstance(weight, int | float) else None
        direction = reason.get("direction")
        if direction not in ("spam", "ham"):
            direction = "spam" if (weight or 0) > 0 else "ham"
        lines.append(ReasonLine("↑" if direction == "spam" else "↓", direction,
                                str(reason["description"]), weight))
    return lines


def _yes_no(value: object, lang: str) -> str:
    return translate("yes" if value else "no", lang)


def signal_lines(signals: Mapping[str, Any], lang: str = "de") -> list[tuple[str, str]]:
    """The form's bot signals as (label, value) pairs: honeypot, time, challenge, rules."""
    seconds = signals.get("seconds_to_submit")
    if isinstance(seconds, int | float):
        seconds_text = f"{seconds:.1f} s"
        seconds_text = seconds_text.replace(".", ",") if lang == "de" else seconds_text
    else:
        seconds_text = translate("unknown", lang)
    lines = [
        (translate("signal.honeypot", lang), _yes_no(signals.get("honeypot"), lang)),
        (translate("signal.seconds", lang), seconds_text),
        (translate("signal.too_fast", lang), _yes_no(signals.get("too_fast"), lang)),
    ]
    if signals.get("challenge"):
        lines.append((translate("signal.challenge", lang), str(signals["challenge"])))
    verdict = signals.get("verdict_reasons")
    if isinstance(verdict, list) and verdict:
        lines.append((translate("signal.verdict", lang), ", ".join(map(str, verdict))))
    return lines


def _hours_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def local_time(moment: datetime) -> str:
    """``moment`` on the newsroom's clock, as ``31.12.2025, 18:05``."""
    return moment.astimezone(_LOCAL_TIME).strftime("%d.%m.%Y, %H:%M")


def history_lines(entries: Iterable[Any], lang: str = "de") -> list[HistoryLine]:
    """A commenter's earlier comments (:class:`service.storage.desk.HistoryEntry`)."""
    return [
        HistoryLine(
            thread_id=entry.thread_id,
            when=local_time(entry.created_at),
            status=entry.status,
            status_label=translate(f"queue.{entry.status}", lang),
            excerpt=entry.text if len(entry.text) <= 120 else entry.text[:119] + "…",
            link=translate("history.email" if entry.same_email else "history.ip", lang),
        )
        for entry in entries
    ]


def audit_lines(decisions: Iterable[Any], lang: str = "de") -> list[AuditLine]:
    """The recorded actions on a comment (:class:`service.storage.DecisionRow`), oldest first."""
    return [
        AuditLine(
            when_iso=decision.created_at.isoformat(),
            text=translate("audit.entry", lang, when=local_time(decision.created_at),
                           action=translate(f"action.{decision.action}", lang),
                           who=decision.moderator),
        )
        for decision in decisions
    ]


def comment_card(
    row: Any,
    now: datetime,
    promise_hours: int,
    lang: str = "de",
    history: Iterable[Any] = (),
    decisions: Iterable[Any] = (),
) -> CommentCard:
    """The card of one comment (a :class:`service.storage.CommentRow`) at time ``now``."""
    age_hours = _hours_between(row.created_at, now)
    return CommentCard(
        id=row.public_id,
        thread_id=row.thread_id,
        author=row.author_name,
        email=row.author_email,
        url=row.author_url,
        text=row.text,
        status=row.status,
        created_iso=row.created_at.isoformat(),
        created_local=local_time(row.created_at),
        age=format_duration(age_hours, lang),
        overdue=row.status == "pending" and age_hours > promise_hours,
        badge=score_badge(row.score, row.band, lang),
        band=row.band,
        band_label=translate(f"band.{row.band}" if row.band in _BAND_LABELS else "band.none",
                             lang),
        reasons=reason_lines(row.reasons or ()),
        signals=signal_lines(row.signals or {}, lang),
        row_version=row.row_version,
        decided_by=row.decided_by,
        lang=lang,
        segments=highlight_segments(row.text, row.reasons or ()),
        history=history_lines(history, lang),
        audit=audit_lines(decisions, lang),
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
