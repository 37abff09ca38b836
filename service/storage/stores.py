"""The storage areas, a store each, all on one engine and one clock.

Callers ask the store of their area (``runtime().accounts.find_api_token(…)``,
``runtime().comments.add_comment(…)``), never a class that does everything. Each store runs
each call in one short transaction and returns plain records.

Three areas write in one transaction: a new comment is linked to its campaign, and a
decision sweeps one, in the transaction that stores them. The comment and decision stores are
handed the campaign store and pass it their connection; the events all of them queue go
through one :class:`EventOutbox`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Engine

from spamschutz.service.storage.accounts import AccountStore
from spamschutz.service.storage.campaigns import CampaignStore
from spamschutz.service.storage.catalog import ModelCatalog
from spamschutz.service.storage.challenges import ChallengeStore
from spamschutz.service.storage.comments import CommentStore
from spamschutz.service.storage.decisions import DecisionStore
from spamschutz.service.storage.privacy import PrivacyStore
from spamschutz.service.storage.records import utc_now
from spamschutz.service.storage.sessions import SessionStore
from spamschutz.service.storage.sites import SiteStore
from spamschutz.service.storage.statistics import StatisticsStore
from spamschutz.service.storage.webhooks import EventOutbox, WebhookStore

__all__ = ["Stores"]


@dataclass(frozen=True)
class Stores:
    """One store per area of storage, and the engine they share."""

    engine: Engine
    comments: CommentStore  # storing and reading comments, the queue's pages
    decisions: DecisionStore  # moderators' decisions, their undo, training labels
    campaigns: CampaignStore  # campaign detection, sweeps, the desk's campaign view
    accounts: AccountStore  # moderators and API tokens
    sessions: SessionStore  # moderators' login sessions
    models: ModelCatalog  # which model versions exist and which one serves
    challenges: ChallengeStore  # redeemed challenge tokens
    statistics: StatisticsStore  # queue figures and agreement with moderators
    sites: SiteStore  # the sites' challenge settings
    privacy: PrivacyStore  # retention and a commenter's right to access and erasure
    webhooks: WebhookStore  # endpoints and deliveries

    @classmethod
    def open(cls, engine: Engine, clock: Callable[[], datetime] = utc_now) -> Stores:
        """Every store on ``engine``; ``clock`` (aware datetimes) stamps what they write."""
        outbox = EventOutbox()  # the events comments, decisions and campaigns queue
        campaigns = CampaignStore(engine, clock, outbox)
        return cls(
            engine=engine,
            comments=CommentStore(engine, clock, outbox),
            decisions=DecisionStore(engine, clock, outbox, campaigns=campaigns),
            campaigns=campaigns,
            accounts=AccountStore(engine, clock),
            sessions=SessionStore(engine, clock),
            models=ModelCatalog(engine, clock),
            challenges=ChallengeStore(engine, clock),
            statistics=StatisticsStore(engine, clock),
            sites=SiteStore(engine, clock),
            privacy=PrivacyStore(engine, clock),
            webhooks=WebhookStore(engine, clock, outbox),
        )

    def by_name(self) -> dict[str, object]:
        """The stores by area name, and the engine (to lay them out on another object)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}
