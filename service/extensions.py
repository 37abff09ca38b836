"""Extensions, created unbound here and bound to an app in :func:`spamschutz.service.create_app`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine

from spamschutz.model import ActiveModel, ModelRegistry, ModelStore
from spamschutz.service.challenge import QuestionBank
from spamschutz.service.model_announcements import promotion_listener
from spamschutz.service.storage import (
    AccountStore,
    CampaignStore,
    ChallengeStore,
    CommentStore,
    DecisionStore,
    ModelCatalog,
    PrivacyStore,
    SessionStore,
    SiteStore,
    Spool,
    StatisticsStore,
    Stores,
    WebhookStore,
    create_engine_for,
    spool_for,
)

__all__ = ["Runtime", "csrf", "runtime"]

csrf = CSRFProtect()


@dataclass
class Runtime:
    """What request handlers need beside Flask: a store per area of storage and the engine
    they share, the serving model, the questions, and the spool that keeps accepted comments
    while the database is unavailable."""

    engine: Engine
    comments: CommentStore
    decisions: DecisionStore
    campaigns: CampaignStore
    accounts: AccountStore
    sessions: SessionStore
    models: ModelCatalog
    challenges: ChallengeStore
    statistics: StatisticsStore
    sites: SiteStore
    privacy: PrivacyStore
    webhooks: WebhookStore
    registry: ModelRegistry
    questions: QuestionBank
    spool: Spool

    @classmethod
    def from_config(cls, config: dict[str, object]) -> Runtime:
        """Build from the app's configuration. Connects to nothing yet (engines are lazy)."""
        stores = Stores.open(create_engine_for(str(config["DATABASE_URL"])))

        def active_model() -> ActiveModel | None:
            row = stores.models.active_model()
            return ActiveModel(row.version, row.sha256) if row else None

        registry = ModelRegistry(
            ModelStore(str(config["MODEL_DIR"])),
            active_model,
            refresh_seconds=float(config["MODEL_REFRESH_SECONDS"]),  # type: ignore[arg-type]
            listen=promotion_listener(stores.engine),
        )
        questions = QuestionBank(
            secret_key=str(config["SECRET_KEY"]),
            ttl_seconds=int(config["CHALLENGE_TTL_SECONDS"]),  # type: ignore[call-overload]
            path=str(config["QUESTIONS"]) or None,
            own_share=float(config["OWN_QUESTIONS_SHARE"]),  # type: ignore[arg-type]
        )
        return cls(
            **stores.by_name(),  # type: ignore[arg-type]
            registry=registry,
            questions=questions,
            spool=spool_for(config),
        )

    def init_app(self, app: Flask) -> None:
        """Make this runtime the one :func:`runtime` returns inside ``app``."""
        app.extensions["spamschutz"] = self


def runtime() -> Runtime:
    """The current app's :class:`Runtime`."""
    return current_app.extensions["spamschutz"]
