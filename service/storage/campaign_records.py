"""The campaign detection's records: its rules, what it needs of a comment and what it did, and
campaigns and their members as the desk reads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spamschutz.service.storage.records import as_utc

__all__ = [
    "CampaignLink",
    "CampaignMember",
    "CampaignPrint",
    "CampaignRow",
    "DetectionRules",
    "LinkResult",
]


@dataclass(frozen=True)
class DetectionRules:
    """The detection's settings (see ``SPAMSCHUTZ_CAMPAIGN_*`` in the configuration)."""

    window_days: float = 14.0
    similarity: float = 0.35
    min_members: int = 3
    burst_minutes: float = 10.0
    burst_threads: int = 4


@dataclass(frozen=True)
class CampaignPrint:
    """A comment's fingerprint as taken at intake and queued with the comment: its keys but
    its text's, and the text its MinHash is to be taken of (``None``: too short; see
    :func:`spamschutz.service.campaigns.fingerprint.fingerprint_before_minhash`)."""

    keys: tuple[str, ...]
    shingled: str | None


@dataclass(frozen=True)
class CampaignLink:
    """What the detection needs of a new comment: its keys and text signature (see
    :class:`spamschutz.service.campaigns.fingerprint.Fingerprint`) and the rules."""

    keys: tuple[str, ...]
    signature: bytes | None
    rules: DetectionRules


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
