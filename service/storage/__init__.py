"""Storage: the database schema, its migrations, and a store per area that all SQL goes
through (:class:`Stores`, on the app's runtime as ``runtime().comments``, ``.decisions`` …).

Callers outside this package import from here: the stores, the records and arguments they
take and give, and the values they accept. The modules behind are this package's own layout.
"""

from spamschutz.service.storage.accounts import AccountStore
from spamschutz.service.storage.campaign_records import (
    CampaignLink,
    CampaignPrint,
    DetectionRules,
)
from spamschutz.service.storage.campaigns import CampaignStore
from spamschutz.service.storage.catalog import PROMOTION_CHANNEL, ModelCatalog
from spamschutz.service.storage.challenges import ChallengeStore
from spamschutz.service.storage.comments import ChallengeAlreadyRedeemed, CommentStore
from spamschutz.service.storage.decisions import DecisionStore
from spamschutz.service.storage.desk import QueueFilter
from spamschutz.service.storage.engine import (
    create_engine_for,
    normalise_database_url,
    schema_of_its_own,
    sqlite_url_for,
)
from spamschutz.service.storage.errors import (
    ConflictError,
    NotFound,
    SchemaMissing,
    StorageError,
    StorageUnavailable,
)
from spamschutz.service.storage.keyset import SORTS
from spamschutz.service.storage.migrate import current_revision, head_revision, upgrade_database
from spamschutz.service.storage.privacy import PersonalComment, PrivacyStore
from spamschutz.service.storage.records import (
    CommentRow,
    DecisionRow,
    ModelRow,
    ModeratorRow,
    TokenRow,
    utc_now,
)
from spamschutz.service.storage.replay import DrainReport, drain_spool
from spamschutz.service.storage.schema import (
    ACTION_TO_STATUS,
    COMMENT_STATUSES,
    DELIVERY_STATUSES,
)
from spamschutz.service.storage.sessions import SessionStore
from spamschutz.service.storage.sites import SiteRow, SiteStore
from spamschutz.service.storage.spool import Spool, SpooledComment, SpoolUnavailable, spool_for
from spamschutz.service.storage.statistics import StatisticsStore
from spamschutz.service.storage.stores import Stores
from spamschutz.service.storage.transactions import ping_database
from spamschutz.service.storage.webhooks import WEBHOOK_EVENTS, WebhookStore

__all__ = [
    "ACTION_TO_STATUS",
    "COMMENT_STATUSES",
    "DELIVERY_STATUSES",
    "PROMOTION_CHANNEL",
    "SORTS",
    "WEBHOOK_EVENTS",
    "AccountStore",
    "CampaignLink",
    "CampaignPrint",
    "CampaignStore",
    "ChallengeAlreadyRedeemed",
    "ChallengeStore",
    "CommentRow",
    "CommentStore",
    "ConflictError",
    "DecisionRow",
    "DecisionStore",
    "DetectionRules",
    "DrainReport",
    "ModelCatalog",
    "ModelRow",
    "ModeratorRow",
    "NotFound",
    "PersonalComment",
    "PrivacyStore",
    "QueueFilter",
    "SchemaMissing",
    "SessionStore",
    "SiteRow",
    "SiteStore",
    "Spool",
    "SpoolUnavailable",
    "SpooledComment",
    "StatisticsStore",
    "StorageError",
    "StorageUnavailable",
    "Stores",
    "TokenRow",
    "WebhookStore",
    "create_engine_for",
    "current_revision",
    "drain_spool",
    "head_revision",
    "normalise_database_url",
    "ping_database",
    "schema_of_its_own",
    "spool_for",
    "sqlite_url_for",
    "upgrade_database",
    "utc_now",
]
