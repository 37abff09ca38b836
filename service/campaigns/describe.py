"""How the desk and the moderation API name a comment's campaign, in the reader's language."""

from __future__ import annotations

from typing import Any

from spamschutz.service.i18n import translate

__all__ = ["campaign_json", "campaign_reason"]


def campaign_reason(campaign: Any, lang: str) -> str:
    """``Teil einer Kampagne (37 Beiträge, 12 Artikel)`` for a
    :class:`spamschutz.service.storage.campaign_records.CampaignRow`."""
    return translate("campaign.reason", lang, members=campaign.member_count,
                     threads=campaign.thread_count)


def campaign_json(campaign: Any, lang: str) -> dict[str, object]:
    """A comment's campaign as the moderation API shows it beside the comment."""
    return {**campaign.as_json(), "reason": campaign_reason(campaign, lang)}
