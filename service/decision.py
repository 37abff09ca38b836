"""The decision policy: score + bot signals → where a comment goes, and why. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from spamschutz.model import Thresholds

__all__ = ["Signals", "Verdict", "decide_verdict"]


@dataclass(frozen=True)
class Signals:
    """What the form told us about the submitter, beside the text."""

    honeypot_filled: bool = False
    seconds_to_submit: float | None = None
    too_fast: bool = False
    challenge: str = "passed"  # passed | not_asked


@dataclass(frozen=True)
class Verdict:
    """Where the comment goes: ``status`` (pending or spam) and the model's ``band``."""

    status: str
    band: str | None
    reasons: tuple[str, ...] = field(default_factory=tuple)


def decide_verdict(score: float | None, thresholds: Thresholds | None, signals: Signals) -> Verdict:
    """Decide the status of a comment that passed the challenge.

    A filled honeypot is a bot: spam folder whatever the text says. A score at or above the
    model's spam threshold goes to the spam folder. Everything else, including comments that
    could not be scored, waits for a moderator: a human decides whenever the machine is unsure.
    A too-fast submission only adds a reason (people paste prepared text), it never blocks alone.
    """
    reasons: list[str] = []
    band = thresholds.band(score) if score is not None and thresholds is not None else None
    if signals.honeypot_filled:
        reasons.append("honeypot")
    if signals.too_fast:
        reasons.append("too_fast")
    if band is None:
        reasons.append("unscored")
    elif band != "ham":
        reasons.append(f"score_{band}")
    spam = signals.honeypot_filled or band == "spam"
    return Verdict(status="spam" if spam else "pending", band=band, reasons=tuple(reasons))
