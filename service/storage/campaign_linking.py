"""Joining a comment to its campaign: creating, merging and recounting campaigns as members
join, and recognising and sweeping them when they qualify (the rules in
:mod:`~spamschutz.service.storage.campaign_rules`).

Functions on an open connection, called inside the transaction that stores or links the
comment, so a campaign is never half joined.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    Connection,
    DateTime,
    Integer,
    Join,
    Select,
    String,
    bindparam,
    case,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from spamschutz.service.storage.campaign_records import CampaignRow, DetectionRules, LinkResult
from spamschutz.service.storage.campaign_rules import (
    SHARE_OF_LINK,
    SPAM_LIKE,
    STORED_LINK,
    best_link,
    merged_shares,
    recognised,
    share_key,
    shared_kinds,
    swept_by_one_decision,
)
from spamschutz.service.storage.campaign_sweeps import (
    QueueEvent,
    sweep_pending_members,
    undo_sweep_decisions,
)
from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import campaign_members, campaigns, comments

__all__ = ["join_campaign"]


def join_campaign(
    connection: Connection,
    comment_id: int,
    links: dict[int, tuple[str, set[str]]],
    rules: DetectionRules,
    now: datetime,
    queue_event: QueueEvent,
) -> LinkResult:
    """Join the comment and the candidates it is ``links``-ed to in one campaign: the
    candidates' campaign (several are merged into the oldest) or a new one; then settle it.

    The candidates' campaigns are read and locked in one statement, before their members
    change: another transaction's change to them waits for this one, and the recount in
    :func:`_settle` sees every member.
    """
    in_campaign = dict(connection.execute(_CAMPAIGNS_OF_LINKED, {"ids": list(links)}).all())
    found = sorted(set(in_campaign.values()))
    if found:
        target = found[0]
        for other in found[1:]:
            _merge(connection, target, other)
    else:
        target = connection.execute(campaigns.insert().values(
            public_id=str(uuid.uuid4()), status="forming", shares={},
            first_seen=now, last_seen=now)).inserted_primary_key[0]
    joining = {comment_id: best_link({kind for kind, _ in shared_kinds(links)})}
    for other, (kind, _) in links.items():
        if other not in in_campaign:
            joining[other] = kind
    shared = {value for _, values in links.values() for value in values}
    return _settle(connection, target, joining, shared, rules, now, queue_event)


def _merge(connection: Connection, target: int, other: int) -> None:
    """Fold campaign ``other`` into ``target``: one wave seen from two ends."""
    rows = {row["id"]: row for row in connection.execute(
        select(campaigns).where(campaigns.c.id.in_((target, other)))).mappings()}
    kept, gone = rows[target], rows[other]
    connection.execute(campaign_members.update()
                       .where(campaign_members.c.campaign_id == other)
                       .values(campaign_id=target))
    values: dict[str, Any] = {
        "shares": merged_shares(kept["shares"], gone["shares"]),
        "spam_like": kept["spam_like"] or gone["spam_like"],
    }
    if gone["status"] == "dissolved":  # a moderator said "not spam" to part of it
        values.update(status="dissolved", sweeping=False, dissolved_at=gone["dissolved_at"],
                      dissolved_by=gone["dissolved_by"])
    elif gone["sweeping"] and not kept["sweeping"]:
        values.update(sweeping=True, swept_at=gone["swept_at"], swept_by=gone["swept_by"],
                      trigger_comment_id=gone["trigger_comment_id"])
    connection.execute(campaigns.update().where(campaigns.c.id == target).values(**values))
    connection.execute(campaigns.delete().where(campaigns.c.id == other))


def _settle(
    connection: Connection,
    campaign_id: int,
    joining: Mapping[int, str],
    shared: Iterable[str],
    rules: DetectionRules,
    now: datetime,
    queue_event: QueueEvent,
) -> LinkResult:
    """Add the ``joining`` comments (id -> kind of link) to the campaign (locked by
    :func:`join_campaign`, or new) and recount it, recognise it when it qualifies, and sweep
    if it sweeps."""
    members = [{"comment_id": member, "link": STORED_LINK.get(kind, kind)}
               for member, kind in joining.items()]
    if connection.dialect.name == "postgresql":
        # The members' insert goes with the recount: a round trip fewer for each comment.
        row = connection.execute(_JOIN_AND_RECOUNT, {
            "campaign_id": campaign_id, "joined_at": now,
            "member_ids": [member["comment_id"] for member in members],
            "links": [member["link"] for member in members]}).mappings().one()
    else:
        connection.execute(campaign_members.insert(), [
            {**member, "campaign_id": campaign_id, "joined_at": now} for member in members])
        row = connection.execute(_RECOUNT, {"campaign_id": campaign_id}).mappings().one()
    shares = dict(row["shares"] or {})
    for key in shared:
        link, value = share_key(key)
        if link in SHARE_OF_LINK:
            values = set(shares.get(SHARE_OF_LINK[link], ()))
            shares[SHARE_OF_LINK[link]] = sorted(values | {value})
        else:
            shares[link] = True
    members, harmless = row["members"], row["harmless"]
    spam_like = bool(row["spam_like"]) or any(
        shares.get(SHARE_OF_LINK[link]) for link in SPAM_LIKE
    ) or (bool(shares.get("domains")) and 2 * int(harmless or 0) < members)
    values: dict[str, Any] = {
        "shares": shares, "spam_like": spam_like, "member_count": members,
        "thread_count": row["threads"], "first_seen": as_utc(row["first"]),
        "last_seen": as_utc(row["last"]),
    }
    status = row["status"]
    detected = status == "forming" and recognised(shares, spam_like, members, row["threads"],
                                                  rules)
    if detected:
        status = "open"
        values.update(status=status, detected_at=now)
    decided = {decision: (row[f"{decision}_id"], row[f"{decision}_by"])
               for decision in _DECIDED if row[f"{decision}_id"] is not None}
    if status != "dissolved" and "approved" in decided:
        status = "dissolved"
        values.update(status=status, sweeping=False, dissolved_at=now,
                      dissolved_by=decided["approved"][1])
    sweeping = bool(row["sweeping"]) and status != "dissolved"
    if (status != "dissolved" and not sweeping and "spam" in decided
            and swept_by_one_decision(shares, spam_like)):
        sweeping = True
        values.update(sweeping=True, swept_at=now, swept_by=decided["spam"][1],
                      trigger_comment_id=decided["spam"][0])
    connection.execute(campaigns.update().where(campaigns.c.id == campaign_id)
                       .values(**values))
    swept = 0
    if status == "dissolved" and row["status"] != "dissolved" and row["sweeping"]:
        # A comment a moderator published joined: whatever was swept goes back.
        undo_sweep_decisions(connection, campaign_id, values["dissolved_by"], now,
                             queue_event)
    if sweeping and status == "open":
        swept = sweep_pending_members(connection, campaign_id,
                                      values.get("swept_by") or row["swept_by"], now,
                                      queue_event)
    if detected:
        campaign = connection.execute(
            select(campaigns).where(campaigns.c.id == campaign_id)).mappings().one()
        queue_event(connection, "campaign.detected",
                          {"campaign": CampaignRow.from_row(campaign).as_json()}, now)
    return LinkResult(row["public_id"], status, detected, swept)


# The campaigns of the candidates a comment is linked to, locked in the order of their ids
# (two transactions locking the same campaigns wait for each other instead of deadlocking).
_CAMPAIGNS_OF_LINKED = (
    select(campaign_members.c.comment_id, campaigns.c.id)
    .join(campaigns, campaigns.c.id == campaign_members.c.campaign_id)
    .where(campaign_members.c.comment_id.in_(bindparam("ids", expanding=True)))
    .order_by(campaigns.c.id)
    .with_for_update(of=campaigns)
)

_IN_CAMPAIGN = campaign_members.c.campaign_id == bindparam("campaign_id")
# Members a moderator (not a sweep) put in the spam folder or published: the earliest of each.
_DECIDED = ("spam", "approved")

# PostgreSQL: the joining members' insert, as a statement's CTE (see _JOIN_AND_RECOUNT).
_JOINING = func.unnest(
    bindparam("member_ids", type_=ARRAY(Integer())), bindparam("links", type_=ARRAY(String())),
).table_valued("comment_id", "link").render_derived(name="joining")
_JOINED = (
    insert(campaign_members)
    .from_select(["comment_id", "campaign_id", "link", "joined_at"],
                 select(_JOINING.c.comment_id, bindparam("campaign_id", type_=Integer()),
                        _JOINING.c.link, bindparam("joined_at", type_=DateTime(timezone=True))))
    .returning(campaign_members.c.comment_id)
    .cte("joined")
)


def _recount(joined: CTE | None = None) -> Select[Any]:
    """The campaign with its members' numbers and the moderators' earliest decisions on
    them, in one statement; with ``joined``, its new members' insert too, whose rows the
    statement itself cannot see: they are counted beside the members it can."""
    members = select(campaign_members.c.comment_id).where(_IN_CAMPAIGN)
    undecided_by_sweeps = members.where(campaign_members.c.sweep_decision_id.is_(None))
    if joined is not None:
        members = members.union_all(select(joined.c.comment_id))
        undecided_by_sweeps = undecided_by_sweeps.union_all(select(joined.c.comment_id))
    counts = (
        select(func.count().label("members"),
               func.count(func.distinct(comments.c.thread_id)).label("threads"),
               func.min(comments.c.created_at).label("first"),
               func.max(comments.c.created_at).label("last"),
               func.sum(case((comments.c.band == "ham", 1), else_=0)).label("harmless"))
        .select_from(_comments_of(members, "counted"))
        .subquery("member_counts")
    )
    first = {
        decision: select(comments.c.id, comments.c.decided_by)
        .select_from(_comments_of(undecided_by_sweeps, f"undecided_{decision}"))
        .where(comments.c.decided_by.is_not(None), comments.c.status == decision)
        .order_by(comments.c.decided_at, comments.c.id)
        .limit(1)
        .subquery(f"first_{decision}")
        for decision in _DECIDED
    }
    joined_up = campaigns.join(counts, true())
    for decision in _DECIDED:
        joined_up = joined_up.outerjoin(first[decision], true())
    recount = (
        select(campaigns, *counts.c,
               *(column.label(f"{decision}_{name}")
                 for decision in _DECIDED
                 for name, column in (("id", first[decision].c.id),
                                      ("by", first[decision].c.decided_by))))
        .select_from(joined_up)
        .where(campaigns.c.id == bindparam("campaign_id"))
    )
    return recount if joined is None else recount.add_cte(joined)


def _comments_of(member_ids: Select[Any], name: str) -> Join:
    # Joined from the members, not "comments.id IN (…)": for that SQLite (without
    # statistics) chose to scan the comments of the decision's status instead.
    members = member_ids.subquery(name)
    return members.join(comments, comments.c.id == members.c.comment_id)


# A comment that joins a campaign would cost a round trip for each of these reads.
_RECOUNT = _recount()
_JOIN_AND_RECOUNT = _recount(_JOINED)
