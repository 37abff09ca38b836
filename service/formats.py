"""Dates, durations and numbers as a German or English reader writes them (Babel's CLDR data).

Times are shown on the newsroom's clock (Europe/Berlin): the desk serves German newsrooms, and
a system without time-zone data still shows correct UTC times.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from spamschutz.service.i18n import translate

__all__ = [
    "NEWSROOM_ZONE",
    "babel_locale",
    "decimal",
    "duration",
    "local_date",
    "local_datetime",
    "percent",
    "seconds",
    "short_date",
]

# English as it is written in Europe (31 Dec 2025, 18:05), beside the German desk.
_LOCALES = {"de": Locale("de", "DE"), "en": Locale("en", "GB")}


def _newsroom_zone() -> tzinfo:
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:
        return UTC


NEWSROOM_ZONE = _newsroom_zone()


def babel_locale(lang: str) -> Locale:
    """The Babel locale of a desk language (German for any other)."""
    return _LOCALES.get(lang, _LOCALES["de"])


def local_datetime(moment: datetime, lang: str) -> str:
    """``moment`` on the newsroom's clock: ``31.12.2025, 18:05`` / ``31 Dec 2025, 18:05``."""
    locale = babel_locale(lang)
    local = moment.astimezone(NEWSROOM_ZONE)
    pattern = get_datetime_format("medium", locale=locale)
    return (pattern.replace("{1}", format_date(local, "medium", locale=locale))
            .replace("{0}", format_time(local, "short", locale=locale)))


def local_date(moment: datetime, lang: str) -> str:
    """The day of ``moment``: ``31.12.2025`` / ``31 Dec 2025``."""
    return format_date(moment.astimezone(NEWSROOM_ZONE), "medium", locale=babel_locale(lang))


def short_date(moment: datetime, lang: str) -> str:
    """Day and month of ``moment`` (a chart's axis): ``31.12.`` / ``31/12``."""
    return format_skeleton("dM", moment.astimezone(NEWSROOM_ZONE), locale=babel_locale(lang))


def decimal(number: float, lang: str, digits: int = 1) -> str:
    """``number`` with exactly ``digits`` decimals: ``0,250`` / ``0.250``."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(number, pattern, locale=babel_locale(lang))


def percent(share: float, lang: str, digits: int = 1) -> str:
    """``share`` (0 to 1) as a percentage: ``0.667`` is ``66,7 %`` / ``66.7%``."""
    locale = babel_locale(lang)
    pattern = locale.percent_formats[None].pattern  # "#,##0 %" (with a no-break space)
    if digits:
        pattern = re.sub(r"0(\s*%)", "0." + "0" * digits + r"\1", pattern, count=1)
    return format_percent(share, pattern, locale=locale)


def seconds(value: float, lang: str) -> str:
    """A short time in seconds with one decimal: ``1,2 Sek.`` / ``1.2 sec``."""
    return format_unit(value, "duration-second", length="short", format="#,##0.0",
                       locale=babel_locale(lang))


def duration(hours: float, lang: str) -> str:
    """A waiting time in its two largest units: ``3 Std. 12 Min.``, ``2 Tage 4 Std.``."""
    minutes = max(0, int(hours * 60))
    if minutes < 1:
        return translate("duration.under_a_minute", lang)
    locale = babel_locale(lang)
    days, minutes = divmod(minutes, 24 * 60)
    whole_hours, minutes = divmod(minutes, 60)
    parts: list[str] = []
    if days:
        parts.append(format_unit(days, "duration-day", length="long", locale=locale))
        if whole_hours:
            parts.append(format_unit(whole_hours, "duration-hour", length="short", locale=locale))
    elif whole_hours:
        parts.append(format_unit(whole_hours, "duration-hour", length="short", locale=locale))
        if minutes:
            parts.append(format_unit(minutes, "duration-minute", length="short", locale=locale))
    else:
        parts.append(format_unit(minutes, "duration-minute", length="short", locale=locale))
    return " ".join(parts)
