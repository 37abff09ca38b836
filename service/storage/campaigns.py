"""Campaigns in storage: linking each new comment to the recent ones, sweeps, and reading back.

Every instance writes to and reads from the same tables, so a campaign is recognised across
instances. The look-up at intake is one indexed query: the new comment's keys (see
:mod:`spamschutz.service.campaigns.fingerprint`) against ``campaign_keys`` within the window.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    case,
    func,
    select,
)

from spamschutz.service.campaigns import minhash
from spamschutz.service.storage.campaign_index import index_and_find_candidates
from spamschutz.service.storage.campaign_sweeps import sweep_pending_members, undo_sweep_decisions
from spamschutz.service.storage.errors import NotFound, StorageUnavailable
from spamschutz.service.storage.group_commit import GroupCommit
from spamschutz.service.storage.records import as_utc, utc_now
from spamschutz.service.storage.schema import (
    campaign_keys,
    campaign_members,
    campaign_prints,
    campaigns,
    comments,
)
from spamschutz.service.storage.webhooks import EventOutbox, QueuesEvents

__all__ = [
    "CampaignLink",
    "CampaignMember",
    "CampaignRow",
    "CampaignStore",
    "DetectionRules",
    "LinkResult",
]

log = logging.getLogger(__name__)

# Which link names a member's tie, most telling first; and the keys' prefixes.
_LINK_ORDER = ("phone", "email", "website", "domain", "text", "mail_domain", "sender")
_LINK_OF_PREFIX = {"t": "text", "d": "domain", "p": "phone", "e": "email", "m": "mail_domain",
                   "s": "sender", "w": "website"}
_SHARE_OF_LINK = {"domain": "domains", "phone": "phones", "email": "emails",
                  "mail_domain": "mail_domains", "website": "websites"}
# A website field's domain is stored as a link domain (the members' ``link`` column).
_STORED_LINK = {"website": "domain"}
# What makes a campaign spam-like: a shared phone number, e-mail address or website field's
# domain (see fingerprint.Fingerprint.website); a shared link
# domain (never a common site, see fingerprint.COMMON_DOMAINS) only while the model does not
# find most of its members harmless: readers cite the same news site in their own words
# (1,799 derStandard.at comments link 8 sites more than once), a link campaign is spam.
_SPAM_LIKE = ("phone", "email", "website")
# Links that are about the thread's subject are no sign of a campaign when the same reader
# or others cite them in one discussion: a domain ties comments of different threads only.
_OTHER_THREAD_ONLY = ("domain", "mail_domain", "website")


@dataclass(frozen=True)
class DetectionRules:
    """The detection's settings (see ``SPAMSCHUTZ_CAMPAIGN_*`` in the configuration)."""

    window_days: float = 14.0
    similarity: float = 0.35
    min_members: int = 3
    burst_minutes: float = 10.0
    burst_threads: int = 4


@dataclass(frozen=True)
class CampaignLink:
    """What the detection needs of a new comment: its keys and text signature (see
    :class:`spamschutz.service.campaigns.fingerprint.Fingerprint`) and the rules.

    ``observe``, if given, is called with the seconds the linking took inside the comment's
    transaction (for the detection's duration metric).
    """

    keys: tuple[str, ...]
    signature: bytes | None
    rules: DetectionRules
    observe: Callable[[float], None] | None = None


@dataclass(frozen=True)
class LinkResult:
    """What the detection did with one comment."""

    campaign_id: str
    status: str
    detected: bool  # recognised with this comment (``campaign.detected`` was queued)
    swept: int  # comments moved to the spam folder because of it (this one included)


@dataclass(frozen=True)
class CampaignRow:
    """A campaign: its members' numbers, what they share, and whether it sweeps."""

    public_id: str
    status: str
    sweeping: bool
    spam_like: bool
    shares: dict[str, Any]
    member_count: int
    thread_count: int
    first_seen: datetime
    last_seen: datetime
    detected_at: datetime | None
    swept_at: datetime | None
    swept_by: str | None
    dissolved_at: datetime | None
    dissolved_by: str | None

    @property
    def sweeps(self) -> bool:
        """True while a moderator's spam decision sends its members to the spam folder."""
        return self.sweeping and self.status == "open"

    def as_json(self) -> dict[str, object]:
        """The campaign as the API and webhooks describe it."""
        return {
            "id": self.public_id,
            "status": self.status,
            "sweeping": self.sweeps,
            "spam_like": self.spam_like,
            "shares": self.shares,
            "members": self.member_count,
            "threads": self.thread_count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "swept_by": self.swept_by,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CampaignRow:
        """Build the record from a ``campaigns`` row."""
        def moment(name: str) -> datetime | None:
            return as_utc(row[name]) if row[name] is not None else None

        return cls(
            public_id=row["public_id"], status=row["status"], sweeping=bool(row["sweeping"]),
            spam_like=bool(row["spam_like"]), shares=dict(row["shares"] or {}),
            member_count=row["member_count"], thread_count=row["thread_count"],
            first_seen=as_utc(row["first_seen"]), last_seen=as_utc(row["last_seen"]),
            detected_at=moment("detected_at"), swept_at=moment("swept_at"),
            swept_by=row["swept_by"], dissolved_at=moment("dissolved_at"),
            dissolved_by=row["dissolved_by"],
        )


@dataclass(frozen=True)
class CampaignMember:
    """One comment of a campaign, as the campaign view lists it."""

    public_id: str
    thread_id: str
    thread_title: str | None
    author_name: str
    text: str
    status: str
    created_at: datetime
    link: str
    swept: bool


# Built once, the values passed as parameters: building them per comment cost more than
# running them.
_COMMENT_TO_LINK = select(
    comments.c.id, comments.c.thread_id, comments.c.created_at, comments.c.email_hash,
    comments.c.ip_hash,
).where(comments.c.public_id == bindparam("public_id"))


def _share_key(key: str) -> tuple[str, str]:
    prefix, _, value = key.partition(":")
    return _LINK_OF_PREFIX.get(prefix[:1], "text"), value


class CampaignStore(QueuesEvents):
    """Campaign detection and sweeps (``runtime().campaigns``).

    Comments linked at the same time by threads of a process share a transaction
    (:class:`GroupCommit`), as their storing does: under load a transaction per comment
    would queue every worker behind SQLite's write lock once more.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        outbox: EventOutbox | None = None,
    ) -> None:
        super().__init__(engine, clock, outbox)
        self._campaign_links = GroupCommit(self._link_batch, batch_errors=(StorageUnavailable,))

    def link_comment(
        self,
        public_id: str,
        keys: Sequence[str],
        signature: bytes | None,
        rules: DetectionRules,
    ) -> LinkResult | None:
        """Index a stored comment and join it to the campaign of the recent comments it shares
        a key with (creating or merging campaigns); ``None`` when it shares nothing.

        Comments of one sender in one thread are a conversation, never a campaign: a link
        needs another thread or another sender (for a sender's burst: another thread within
        ``rules.burst_minutes``). When the campaign sweeps, the comment goes to the spam
        folder in this transaction. Linking a comment a second time changes nothing.

        A comment stored through :meth:`CommentStore.add_comment` with its ``campaign`` is
        linked in its own transaction; this is for a comment stored without.
        """
        link = CampaignLink(tuple(dict.fromkeys(keys)), signature, rules)
        return self._campaign_links.submit((public_id, link))

    def _link_batch(
        self, batch: Sequence[tuple[str, CampaignLink]]
    ) -> list[LinkResult | Exception | None]:
        """Link comments in one write transaction, in order (see :class:`GroupCommit`)."""
        with self._write_transaction() as connection:
            return [self._link_by_public_id(connection, public_id, link)
                    for public_id, link in batch]

    def _link_by_public_id(
        self, connection: Connection, public_id: str, link: CampaignLink
    ) -> LinkResult | Exception | None:
        comment = connection.execute(
            _COMMENT_TO_LINK, {"public_id": public_id}).mappings().one_or_none()
        if comment is None:
            return NotFound(f"no comment {public_id!r}")
        return self._link_stored(connection, comment, link)

    def _link_new_comment(
        self, connection: Connection, comment: Mapping[str, Any], link: CampaignLink
    ) -> None:
        """Link a comment just inserted in ``connection``'s transaction, in a savepoint.

        Failure policy: the comment is what the reader was promised; an error in the
        detection (a bug, a conflict) rolls back the detection's writes alone and costs the
        campaign one member, never the comment. Linking here rather than in a transaction of
        its own saves a commit and a turn at SQLite's write lock per comment: that second
        transaction halved the comments the service could take per second.
        """
        started = time.perf_counter()
        # The savepoint's statements are sent as they are: SQLAlchemy's begin_nested() took
        # more time than all of the detection's queries.
        connection.exec_driver_sql("SAVEPOINT campaign_link")
        try:
            self._link_stored(connection, comment, link)
        except Exception:  # the comment must not suffer for the detection: see the docstring
            connection.exec_driver_sql("ROLLBACK TO SAVEPOINT campaign_link")
            log.exception("campaign detection failed for a new comment; the comment is kept")
        connection.exec_driver_sql("RELEASE SAVEPOINT campaign_link")
        if link.observe is not None:
            link.observe(time.perf_counter() - started)

    def _link_stored(
        self, connection: Connection, comment: Mapping[str, Any], link: CampaignLink
    ) -> LinkResult | None:
        """Link the stored ``comment`` (its ``id``, ``thread_id``, ``created_at``,
        ``email_hash`` and ``ip_hash``): the work of :meth:`link_comment`."""
        created = as_utc(comment["created_at"])
        sender = comment["email_hash"] or comment["ip_hash"]
        if not self._insert_unless_duplicate(connection, campaign_prints, {
                "comment_id": comment["id"], "thread_id": comment["thread_id"],
                "sender": sender, "signature": link.signature, "created_at": created,
        }, "comment_id"):
            return None  # a client's retry of a comment linked before
        if not link.keys:
            return None
        candidates = index_and_find_candidates(
            connection, {**comment, "created_at": created}, sender, link.keys,
            created - timedelta(days=link.rules.window_days))
        links = _links(candidates, comment["thread_id"], sender, created, link.signature,
                       link.rules)
        if not links:
            return None
        return self._join(connection, comment["id"], links, candidates, link.rules)

    def _join(
        self,
        connection: Connection,
        comment_id: int,
        links: dict[int, tuple[str, set[str]]],
        candidates: Sequence[Mapping[str, Any]],
        rules: DetectionRules,
    ) -> LinkResult:
        now = self._now()
        in_campaign = {row["comment_id"]: row["campaign_id"] for row in candidates
                       if row["comment_id"] in links and row["campaign_id"] is not None}
        found = sorted(set(in_campaign.values()))
        if found:
            target = found[0]
            for other in found[1:]:
                self._merge(connection, target, other)
        else:
            target = connection.execute(campaigns.insert().values(
                public_id=str(uuid.uuid4()), status="forming", shares={},
                first_seen=now, last_seen=now)).inserted_primary_key[0]
        joining = {comment_id: _best_link({kind for kind, _ in _kinds(links)})}
        for other, (kind, _) in links.items():
            if other not in in_campaign:
                joining[other] = kind
        connection.execute(campaign_members.insert(), [
            {"comment_id": member, "campaign_id": target, "link": _STORED_LINK.get(kind, kind),
             "joined_at": now}
            for member, kind in joining.items()])
        shared = {value for _, values in links.values() for value in values}
        return self._settle(connection, target, shared, rules, now)

    def _merge(self, connection: Connection, target: int, other: int) -> None:
        """Fold campaign ``other`` into ``target``: one wave seen from two ends."""
        rows = {row["id"]: row for row in connection.execute(
            select(campaigns).where(campaigns.c.id.in_((target, other)))).mappings()}
        kept, gone = rows[target], rows[other]
        connection.execute(campaign_members.update()
                           .where(campaign_members.c.campaign_id == other)
                           .values(campaign_id=target))
        values: dict[str, Any] = {
            "shares": _merged_shares(kept["shares"], gone["shares"]),
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
        self,
        connection: Connection,
        campaign_id: int,
        shared: Iterable[str],
        rules: DetectionRules,
        now: datetime,
    ) -> LinkResult:
        """Recount the campaign, recognise it when it qualifies, and sweep if it sweeps."""
        row = connection.execute(
            select(campaigns).where(campaigns.c.id == campaign_id).with_for_update()
        ).mappings().one()
        shares = dict(row["shares"] or {})
        for key in shared:
            link, value = _share_key(key)
            if link in _SHARE_OF_LINK:
                values = set(shares.get(_SHARE_OF_LINK[link], ()))
                shares[_SHARE_OF_LINK[link]] = sorted(values | {value})
            else:
                shares[link] = True
        members, threads, first, last, harmless = connection.execute(
            select(func.count(), func.count(func.distinct(comments.c.thread_id)),
                   func.min(comments.c.created_at), func.max(comments.c.created_at),
                   func.sum(case((comments.c.band == "ham", 1), else_=0)))
            .select_from(campaign_members)
            .join(comments, comments.c.id == campaign_members.c.comment_id)
            .where(campaign_members.c.campaign_id == campaign_id)
        ).one()
        spam_like = bool(row["spam_like"]) or any(
            shares.get(_SHARE_OF_LINK[link]) for link in _SPAM_LIKE
        ) or (bool(shares.get("domains")) and 2 * int(harmless or 0) < members)
        values: dict[str, Any] = {
            "shares": shares, "spam_like": spam_like, "member_count": members,
            "thread_count": threads, "first_seen": as_utc(first), "last_seen": as_utc(last),
        }
        status = row["status"]
        detected = status == "forming" and _recognised(shares, spam_like, members, threads, rules)
        if detected:
            status = "open"
            values.update(status=status, detected_at=now)
        decided = self._moderator_decisions(connection, campaign_id)
        if status != "dissolved" and "approved" in decided:
            status = "dissolved"
            values.update(status=status, sweeping=False, dissolved_at=now,
                          dissolved_by=decided["approved"][1])
        sweeping = bool(row["sweeping"]) and status != "dissolved"
        if (status != "dissolved" and not sweeping and "spam" in decided
                and _swept_by_one_decision(shares, spam_like)):
            sweeping = True
            values.update(sweeping=True, swept_at=now, swept_by=decided["spam"][1],
                          trigger_comment_id=decided["spam"][0])
        connection.execute(campaigns.update().where(campaigns.c.id == campaign_id)
                           .values(**values))
        swept = 0
        if status == "dissolved" and row["status"] != "dissolved" and row["sweeping"]:
            # A comment a moderator published joined: whatever was swept goes back.
            undo_sweep_decisions(connection, campaign_id, values["dissolved_by"], now,
                                 self._queue_event)
        if sweeping and status == "open":
            swept = sweep_pending_members(connection, campaign_id,
                                          values.get("swept_by") or row["swept_by"], now,
                                          self._queue_event)
        if detected:
            campaign = connection.execute(
                select(campaigns).where(campaigns.c.id == campaign_id)).mappings().one()
            self._queue_event(connection, "campaign.detected",
                              {"campaign": CampaignRow.from_row(campaign).as_json()}, now)
        return LinkResult(row["public_id"], status, detected, swept)

    @staticmethod
    def _moderator_decisions(
        connection: Connection, campaign_id: int
    ) -> dict[str, tuple[int, str]]:
        """Members a moderator (not a sweep) put in the spam folder or published:
        status -> (comment id, moderator), the earliest of each."""
        rows = connection.execute(
            select(comments.c.id, comments.c.status, comments.c.decided_by)
            .join(campaign_members, campaign_members.c.comment_id == comments.c.id)
            .where(campaign_members.c.campaign_id == campaign_id,
                   campaign_members.c.sweep_decision_id.is_(None),
                   comments.c.decided_by.is_not(None),
                   comments.c.status.in_(("spam", "approved")))
            .order_by(comments.c.decided_at, comments.c.id)
        ).all()
        found: dict[str, tuple[int, str]] = {}
        for comment_id, status, moderator in rows:
            found.setdefault(status, (comment_id, moderator))
        return found

    # Decisions: called by DecisionStore.decide and DecisionStore.undo_decision in their
    # transaction.

    def _after_decision(
        self, connection: Connection, comment_id: int, action: str, moderator: str,
        now: datetime,
    ) -> int:
        """A moderator decided a comment: a spam decision on a member starts its campaign's
        sweep, "not spam" or approve dissolves it. How many other comments moved."""
        member = connection.execute(
            select(campaigns, campaign_members.c.sweep_decision_id)
            .join(campaign_members, campaign_members.c.campaign_id == campaigns.c.id)
            .where(campaign_members.c.comment_id == comment_id)
            .with_for_update(of=campaigns)
        ).mappings().one_or_none()
        if member is None:
            return 0
        if member["sweep_decision_id"] is not None:
            # Decided by a person now: the sweep's undo leaves it alone.
            connection.execute(campaign_members.update()
                               .where(campaign_members.c.comment_id == comment_id)
                               .values(sweep_decision_id=None))
        if member["status"] == "dissolved":
            return 0
        if action in ("approve", "ham"):
            return self._dissolve(connection, member["id"], moderator, now)
        if action != "spam" or member["sweeping"] or not _swept_by_one_decision(
                member["shares"] or {}, member["spam_like"]):
            return 0
        connection.execute(campaigns.update().where(campaigns.c.id == member["id"]).values(
            sweeping=True, swept_at=now, swept_by=moderator, trigger_comment_id=comment_id))
        if member["status"] != "open":
            return 0  # sweeps once it is recognised
        return sweep_pending_members(connection, member["id"], moderator, now,
                                     self._queue_event)

    def _after_undo(
        self, connection: Connection, comment_id: int, moderator: str, now: datetime
    ) -> int:
        """The decision that started a sweep was undone: so is the sweep."""
        campaign = connection.execute(
            select(campaigns.c.id).where(campaigns.c.trigger_comment_id == comment_id,
                                         campaigns.c.sweeping.is_(True))
        ).scalar_one_or_none()
        if campaign is None:
            return 0
        return self._stop_sweep(connection, campaign, moderator, now)

    def _stop_sweep(
        self, connection: Connection, campaign_id: int, moderator: str, now: datetime
    ) -> int:
        connection.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(
            sweeping=False, swept_at=None, swept_by=None, trigger_comment_id=None))
        return undo_sweep_decisions(connection, campaign_id, moderator, now, self._queue_event)

    def _dissolve(
        self, connection: Connection, campaign_id: int, moderator: str, now: datetime
    ) -> int:
        returned = self._stop_sweep(connection, campaign_id, moderator, now)
        connection.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(
            status="dissolved", dissolved_at=now, dissolved_by=moderator))
        return returned

    # The desk's campaign view: decide all, undo, read.

    def _campaign_for_update(self, connection: Connection, public_id: str) -> Mapping[str, Any]:
        row = connection.execute(
            select(campaigns).where(campaigns.c.public_id == public_id).with_for_update()
        ).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no campaign {public_id!r}")
        return row

    def sweep_campaign(self, public_id: str, moderator: str) -> int:
        """Spam for the whole campaign: its pending members now, later members on arrival.

        How many moved. A dissolved campaign is opened again by this explicit decision.
        """
        now = self._now()
        with self._write_transaction() as connection:
            row = self._campaign_for_update(connection, public_id)
            connection.execute(campaigns.update().where(campaigns.c.id == row["id"]).values(
                status="open", sweeping=True, swept_at=now, swept_by=moderator,
                trigger_comment_id=None, dissolved_at=None, dissolved_by=None,
                detected_at=row["detected_at"] or now))
            return sweep_pending_members(connection, row["id"], moderator, now,
                                         self._queue_event)

    def undo_sweep(self, public_id: str, moderator: str) -> int:
        """Take the campaign's sweep back: swept members return to the queue; how many."""
        with self._write_transaction() as connection:
            row = self._campaign_for_update(connection, public_id)
            return self._stop_sweep(connection, row["id"], moderator, self._now())

    def dissolve_campaign(self, public_id: str, moderator: str) -> int:
        """"Not spam" for the campaign: its sweep is undone and it never sweeps again."""
        with self._write_transaction() as connection:
            row = self._campaign_for_update(connection, public_id)
            return self._dissolve(connection, row["id"], moderator, self._now())

    def get_campaign(self, public_id: str) -> CampaignRow:
        """The campaign with ``public_id``; :class:`NotFound` if there is none."""
        with self._transaction() as connection:
            row = connection.execute(
                select(campaigns).where(campaigns.c.public_id == public_id)
            ).mappings().one_or_none()
        if row is None:
            raise NotFound(f"no campaign {public_id!r}")
        return CampaignRow.from_row(row)

    def campaign_members(self, public_id: str, limit: int = 500) -> list[CampaignMember]:
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
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            CampaignMember(row["public_id"], row["thread_id"], row["thread_title"],
                           row["author_name"], row["text"], row["status"],
                           as_utc(row["created_at"]), row["link"],
                           row["sweep_decision_id"] is not None)
            for row in rows
        ]

    def list_campaigns(self, status: str | None = None, limit: int = 100) -> list[CampaignRow]:
        """Recognised campaigns (forming ones aside), the most recently active first."""
        query = (select(campaigns).where(campaigns.c.status != "forming")
                 .order_by(campaigns.c.last_seen.desc(), campaigns.c.id.desc()).limit(limit))
        if status is not None:
            query = query.where(campaigns.c.status == status)
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
        return [CampaignRow.from_row(row) for row in rows]

    def campaigns_of(self, public_ids: Iterable[str]) -> dict[str, CampaignRow]:
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
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
        return {row["comment_public_id"]: CampaignRow.from_row(row) for row in rows}

    def campaign_figures(self) -> dict[str, int]:
        """Open campaigns, sweeping ones, and comments their sweeps hold in the spam folder."""
        with self._transaction() as connection:
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

    def purge_campaign_window(self, older_than: datetime) -> int:
        """Forget the detection's index before ``older_than`` (campaigns and members stay)."""
        cutoff = as_utc(older_than)
        with self._transaction() as connection:
            connection.execute(campaign_keys.delete().where(campaign_keys.c.created_at < cutoff))
            return connection.execute(
                campaign_prints.delete().where(campaign_prints.c.created_at < cutoff)
            ).rowcount


def _links(
    candidates: Sequence[Mapping[str, Any]],
    thread_id: str,
    sender: str | None,
    created: datetime,
    signature: bytes | None,
    rules: DetectionRules,
) -> dict[int, tuple[str, set[str]]]:
    """The candidates the comment is linked to: comment id -> (best link, shared keys)."""
    mine = minhash.decode_signature(signature) if signature else None
    found: dict[int, tuple[str, set[str]]] = {}
    compared: dict[int, bool] = {}
    for row in candidates:
        link, _ = _share_key(row["key"])
        other_thread = row["thread_id"] != thread_id
        other_sender = sender is None or row["sender"] != sender
        if link == "sender":
            gap = abs((created - as_utc(row["created_at"])).total_seconds())
            ok = other_thread and gap <= rules.burst_minutes * 60
        elif not (other_thread or other_sender):
            ok = False  # one person in one thread: a conversation
        elif link in _OTHER_THREAD_ONLY:
            ok = other_thread
        elif link == "text":
            if row["comment_id"] not in compared:
                compared[row["comment_id"]] = (
                    mine is not None and row["signature"] is not None
                    and minhash.estimated_similarity(
                        mine, minhash.decode_signature(row["signature"])) >= rules.similarity)
            ok = compared[row["comment_id"]]
        else:
            ok = True
        if not ok:
            continue
        best, keys = found.get(row["comment_id"], (link, set()))
        keys.add(row["key"] if link != "text" else "t:")
        found[row["comment_id"]] = (_best_link({best, link}), keys)
    return found


def _kinds(links: Mapping[int, tuple[str, set[str]]]) -> set[tuple[str, str]]:
    return {_share_key(key) for _, keys in links.values() for key in keys}


def _best_link(kinds: set[str]) -> str:
    return next(kind for kind in _LINK_ORDER if kind in kinds)


def _merged_shares(first: Mapping[str, Any] | None, second: Mapping[str, Any] | None) -> dict:
    merged: dict[str, Any] = dict(first or {})
    for name, value in (second or {}).items():
        if isinstance(value, list):
            merged[name] = sorted(set(merged.get(name) or ()) | set(value))
        else:
            merged[name] = bool(merged.get(name)) or bool(value)
    return merged


def _swept_by_one_decision(shares: Mapping[str, Any], spam_like: bool) -> bool:
    """Whether a spam decision on one member sweeps the rest: when they share a spam-like
    element or a long text. A burst from one address alone is shown, never swept by one
    decision: a mobile network or an office puts many readers behind one address, so only
    the moderator's decision on the whole campaign (decide all) sweeps it."""
    return spam_like or bool(shares.get("text"))


def _recognised(
    shares: Mapping[str, Any], spam_like: bool, members: int, threads: int,
    rules: DetectionRules,
) -> bool:
    """Enough members across threads, and something a campaign has and readers do not: a
    spam-like element, a long shared text, or one sender's burst across many threads."""
    if members < rules.min_members or threads < 2:
        return False
    return spam_like or bool(shares.get("text")) or (
        bool(shares.get("sender")) and threads >= rules.burst_threads)
