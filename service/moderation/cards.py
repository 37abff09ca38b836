"""What a moderator sees of a comment and of the queue: labels, badges, ages. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ACTION_DONE",
    "ACTION_LABELS",
    "QUEUES",
    "SORT_LABELS",
    "CommentCard",
    "QueueHealth",
    "ReasonLine",
    "ScoreBadge",
    "comment_card",
    "format_duration",
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
SORT_LABELS = {"age": "Älteste zuerst", "score": "Höchster Spam-Wert zuerst"}
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


@dataclass(frozen=True)
class QueueHealth:
    """How the pending queue stands against the review promise."""

    promise_hours: int
    oldest_hours: float | None
    oldest_age: str | None
    overdue: int

    @property
    def meter_value(self) -> float:
        """The oldest comment's age for a ``<meter>``, held within its range."""
        return min(self.oldest_hours or 0.0, float(self.promise_hours))

    @property
    def late(self) -> bool:
        """The oldest pending comment has waited longer than promised."""
        return self.oldest_hours is not None and self.oldest_hours > self.promise_hours


def score_badge(score: float | None, band: str | None) -> ScoreBadge:
    """``0.97`` → ``97 %`` in the band's colour; no score → ``ohne Bewertung`` in grey.

    Rounding would turn 0.996 into "100 %" and 0.004 into "0 %", certainties the model does
    not claim; those ends read "> 99 %" and "< 1 %" instead.
    """
    if score is None:
        return ScoreBadge("ohne Bewertung", "none")
    tone = band if band in _BAND_LABELS else "none"
    percent = round(score * 100)
    if percent >= 100 and score < 1:
        return ScoreBadge("> 99 %", tone)
    if percent <= 0 < score:
        return ScoreBadge("< 1 %", tone)
    return ScoreBadge(f"{percent} %", tone)


def format_duration(hours: float) -> str:
    """A German, moderator-friendly duration: ``3 Std. 12 Min.``, ``2 Tage 4 Std.``."""
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


def _yes_no(value: object) -> str:
    return "ja" if value else "nein"


def signal_lines(signals: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The form's bot signals as (label, value) pairs, in German."""
    seconds = signals.get("seconds_to_submit")
    seconds_text = (f"{seconds:.1f} s".replace(".", ",")
                    if isinstance(seconds, int | float) else "unbekannt")
    return [
        ("Honeypot ausgefüllt", _yes_no(signals.get("honeypot"))),
        ("Zeit bis zum Absenden", seconds_text),
        ("Zu schnell", _yes_no(signals.get("too_fast"))),
    ]


def _hours_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def comment_card(row: Any, now: datetime, promise_hours: int) -> CommentCard:
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
        created_local=row.created_at.astimezone(_LOCAL_TIME).strftime("%d.%m.%Y, %H:%M"),
        age=format_duration(age_hours),
        overdue=row.status == "pending" and age_hours > promise_hours,
        badge=score_badge(row.score, row.band),
        band=row.band,
        band_label=_BAND_LABELS.get(row.band or "", "keine Einschätzung"),
        reasons=reason_lines(row.reasons or ()),
        signals=signal_lines(row.signals or {}),
        row_version=row.row_version,
        decided_by=row.decided_by,
    )


def queue_health(
    oldest_pending: datetime | None,
    now: datetime,
    promise_hours: int,
    overdue: int,
) -> QueueHealth:
    """The pending queue's standing: the oldest comment's age and how many are overdue."""
    if oldest_pending is None:
        return QueueHealth(promise_hours, None, None, 0)
    hours = _hours_between(oldest_pending, now)
    return QueueHealth(promise_hours, hours, format_duration(hours), overdue)
