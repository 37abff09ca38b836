"""The model's reasons for a score, as the desk shows them: in the desk's language.

Every reason the desk shows goes through :func:`describe_reason`. A reason that carries a
stable ``code`` (and its ``params``) is written from the catalog entry ``reason.<code>``, with
``%(name)s`` placeholders filled from ``params``; one without a code, or with a code the
catalogs do not know yet, shows the English ``description`` stored with the comment. To teach
the desk a new reason, add ``reason.<code>`` to both catalogs as :mod:`spamschutz.service.i18n`
explains (``pybabel extract``/``update``/``compile``); the code is listed with ``N_`` where the
model defines it, so that extraction finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from spamschutz.service.i18n import N_, has_message, translate

__all__ = ["DIRECTION_KEYS", "ReasonLine", "describe_reason", "reason_lines"]

DIRECTION_KEYS = {"spam": N_("direction.spam"), "ham": N_("direction.ham")}


@dataclass(frozen=True)
class ReasonLine:
    """One reason for the score: ``↑ spricht für Spam: Link zu x.ru``."""

    arrow: str
    direction: str
    direction_label: str
    description: str
    weight: float | None


def describe_reason(reason: Mapping[str, Any], lang: str) -> str:
    """The reason in ``lang`` from its ``code``, else its stored English ``description``."""
    code = reason.get("code")
    if isinstance(code, str) and code and has_message(f"reason.{code}", lang):
        params = reason.get("params")
        try:
            return translate(f"reason.{code}", lang, **(dict(params) if isinstance(
                params, Mapping) else {}))
        except (KeyError, TypeError, ValueError):
            pass  # params that do not fit the text: the stored description still says it
    return str(reason.get("description") or "")


def reason_lines(reasons: Iterable[Any], lang: str = "de") -> list[ReasonLine]:
    """The model's reasons as short lines; entries of an unexpected shape are skipped."""
    lines = []
    for reason in reasons:
        if not isinstance(reason, Mapping):
            continue
        description = describe_reason(reason, lang)
        if not description:
            continue
        weight = reason.get("weight")
        weight = float(weight) if isinstance(weight, int | float) else None
        direction = reason.get("direction")
        if direction not in DIRECTION_KEYS:
            direction = "spam" if (weight or 0) > 0 else "ham"
        lines.append(ReasonLine("↑" if direction == "spam" else "↓", direction,
                                translate(DIRECTION_KEYS[direction], lang), description, weight))
    return lines
