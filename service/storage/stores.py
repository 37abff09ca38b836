"""The storage areas, a store each, all on one engine and one clock.

Callers ask the store of their area (``runtime().accounts.find_api_token(…)``,
``runtime().models.active_model()``), never a class that does everything. Each store runs
each call in one short transaction and returns plain records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Engine

from spamschutz.service.storage.accounts import AccountStore
from spamschutz.service.storage.catalog import ModelCatalog
from spamschutz.service.storage.challenges import ChallengeStore
from spamschutz.service.storage.privacy import PrivacyStore
from spamschutz.service.storage.records import utc_now
from spamschutz.service.storage.repository import Repository
from spamschutz.service.storage.sessions import SessionStore
from spamschutz.service.storage.sites import SiteStore
from spamschutz.service.storage.statistics import StatisticsStore
from spamschutz.service.storage.webhooks import EventOutbox, WebhookStore

__all__ = ["Stores"]


@dataclass(frozen=True)
class Stores:
    """One store per area of storage."""

    accounts: AccountStore  # moderators and API tokens
    sessions: SessionStore  # moderators' login sessions
    models: ModelCatalog  # which model versions exist and which one serves
    challenges: ChallengeStore  # redeemed challenge tokens
    statistics: StatisticsStore  # queue figures and agreement with moderators
    sites: SiteStore  # the sites' challenge settings
    privacy: PrivacyStore  # retention and a commenter's right to access and erasure
    webhooks: WebhookStore  # endpoints and deliveries
    repository: Repository  # comments, decisions, the desk's reads, campaigns

    @classmethod
    def open(cls, engine: Engine, clock: Callable[[], datetime] = utc_now) -> Stores:
        """Every store on ``engine``; ``clock`` (aware datetimes) stamps what they write."""
        outbox = EventOutbox()  # the events the repository queues, the endpoints webhooks keeps
        return cls(
            accounts=AccountStore(engine, clock),
            sessions=SessionStore(engine, clock),
            models=ModelCatalog(engine, clock),
            challenges=ChallengeStore(engine, clock),
            statistics=StatisticsStore(engine, clock),
            sites=SiteStore(engine, clock),
            privacy=PrivacyStore(engine, clock),
            webhooks=WebhookStore(engine, clock, outbox),
            repository=Repository(engine, clock, outbox),
        )

    @property
    def engine(self) -> Engine:
        """The engine every store uses."""
        return self.repository.engine

    def by_name(self) -> dict[str, object]:
        """The stores by area name (to lay them out on another object)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}
