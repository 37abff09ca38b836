"""Reading campaigns back for the desk, the API and the metrics: functions on an open
connection, each one query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from spamschutz.service.storage.campaign_records import CampaignMember, CampaignRow
from spamschutz.service.storage.errors import NotFound
from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import campaign_members, campaigns, comments

__all__ = [
    "campaign_by_public_id",
    "campaign_counts",
    "campaigns_of_comments",
    "members_of_campaign",
    "recent_campaigns",
]


def campaign_by_public_id(connection: Connection, public_id: str) -> CampaignRow:
    """The campaign with ``public_id``; :class:`NotFound` if there is none."""
    row = connection.execute(
        select(campaigns).where(campaigns.c.public_id == public_id)
    ).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no campaign {public_id!r}")
    return CampaignRow.from_row(row)


def members_of_campaign(
    connection: Connection, public_id: str, limit: int
) -> list[CampaignMember]:
    """The campaign's comments, oldest first."""
    query = (
        select(comments.c.public_id, comments.c.thread_id, comments.c.thread_title,
               comments.c.author_name, comments.c.text, comments.c.status,
               comments.c.created_at, campaign_members.c.link,
               campaign_members.c.sweep_decision_id)
        .join(campaign_members, campaign_members.c.comment_id == comments.c.id)
        .join(campaigns, campaigns.c.id == campaign_members.c.campaign_id)
        .where(campaigns.c.public_id == public_id)
        .order_by(comments.c.created_at, comments.c.id)
        .limit(limit)
    )
    return [
        CampaignMember(row["public_id"], row["thread_id"], row["thread_title"],
                       row["author_name"], row["text"], row["status"],
                       as_utc(row["created_at"]), row["link"],
                       row["sweep_decision_id"] is not None)
        for row in connection.execute(query).mappings()
    ]


def recent_campaigns(connection: Connection, status: str | None, limit: int) -> list[CampaignRow]:
    """Recognised campaigns (forming ones aside), the most recently active first."""
    query = (select(campaigns).where(campaigns.c.status != "forming")
             .order_by(campaigns.c.last_seen.desc(), campaigns.c.id.desc()).limit(limit))
    if status is not None:
        query = query.where(campaigns.c.status == status)
    return [CampaignRow.from_row(row) for row in connection.execute(query).mappings()]


def campaigns_of_comments(
    connection: Connection, public_ids: Iterable[str]
) -> dict[str, CampaignRow]:
    """The recognised campaign of each comment that is in one (for the desk's badges)."""
    wanted = list(dict.fromkeys(public_ids))
    if not wanted:
        return {}
    query = (
        select(campaigns, comments.c.public_id.label("comment_public_id"))
        .join(campaign_members, campaign_members.c.campaign_id == campaigns.c.id)
        .join(comments, comments.c.id == campaign_members.c.comment_id)
        .where(comments.c.public_id.in_(wanted), campaigns.c.status != "forming")
    )
    return {row["comment_public_id"]: CampaignRow.from_row(row)
            for row in connection.execute(query).mappings()}


def campaign_counts(connection: Connection) -> dict[str, int]:
    """Open campaigns, sweeping ones, and comments their sweeps hold in the spam folder."""
    open_count = connection.execute(
        select(func.count()).select_from(campaigns).where(campaigns.c.status == "open")
    ).scalar_one()
    sweeping = connection.execute(
        select(func.count()).select_from(campaigns)
        .where(campaigns.c.status == "open", campaigns.c.sweeping.is_(True))
    ).scalar_one()
    swept = connection.execute(
        select(func.count()).select_from(campaign_members)
        .where(campaign_members.c.sweep_decision_id.is_not(None))
    ).scalar_one()
    return {"open": int(open_count), "sweeping": int(sweeping), "swept": int(swept)}
