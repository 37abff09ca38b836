"""The database schema as SQLAlchemy Core tables; Alembic migrations must match it exactly."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

__all__ = [
    "ACTION_TO_STATUS",
    "CAMPAIGN_LINKS",
    "CAMPAIGN_STATUSES",
    "CHALLENGE_MODES",
    "COMMENT_SOURCES",
    "COMMENT_STATUSES",
    "DECISION_ACTIONS",
    "DELIVERY_STATUSES",
    "MODEL_STATUSES",
    "REPORT_ACTIONS",
    "SCORE_BANDS",
    "TOKEN_ROLES",
    "api_tokens",
    "campaign_backlog",
    "campaign_key_hashes",
    "campaign_members",
    "campaign_prints",
    "campaigns",
    "challenge_redemptions",
    "comments",
    "decisions",
    "metadata",
    "model_versions",
    "moderator_sessions",
    "moderators",
    "sites",
    "webhook_deliveries",
    "webhook_endpoints",
]

COMMENT_STATUSES = ("pending", "spam", "approved", "rejected")
SCORE_BANDS = ("ham", "unsure", "spam")
# "ham" is a moderator saying "not spam": the comment is published, like "approve", but the
# distinct action is kept so that training data can tell corrections from routine approvals.
ACTION_TO_STATUS = {"approve": "approved", "reject": "rejected", "spam": "spam", "ham": "approved"}
# "undo" takes the latest decision back (the earlier status returns); kept in the audit trail.
# A report is a site's label for a comment (Akismet's submit-spam/submit-ham): a training label
# on the audit trail that changes no status, since only a moderator's decision publishes.
REPORT_ACTIONS = {"report_spam": "spam", "report_ham": "ham"}
DECISION_ACTIONS = (*ACTION_TO_STATUS, "undo", *REPORT_ACTIONS)
TOKEN_ROLES = ("site", "moderator", "admin")
MODEL_STATUSES = ("candidate", "active", "retired")
# Where a comment came from: the spamschutz form/API, or an Akismet-compatible plugin's check.
COMMENT_SOURCES = ("form", "akismet")
# Mollom-style: ask every reader, only readers the model is unsure about, or nobody.
CHALLENGE_MODES = ("always", "unsure", "never")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
# A campaign is "forming" until it is recognised (enough members, threads and a shared
# spam-like element, a long shared text or a burst), "open" from then on, and "dissolved"
# once a moderator said one of its members is not spam: it never sweeps again.
CAMPAIGN_STATUSES = ("forming", "open", "dissolved")
# How a member was linked to the campaign: its text, a link domain, a phone number, an e-mail
# address in the text, the commenter's e-mail domain, or its sender.
CAMPAIGN_LINKS = ("text", "domain", "phone", "email", "mail_domain", "sender")

# Deterministic constraint names: Alembic can only alter or drop what it can name, and
# PostgreSQL and SQLite would otherwise invent different names.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _utc_datetime() -> DateTime:
    return DateTime(timezone=True)


comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("public_id", String(36), nullable=False, unique=True),
    Column("idempotency_key", String(128), nullable=True, unique=True),
    Column("thread_id", String(200), nullable=False, index=True),
    Column("author_name", String(200), nullable=False),
    Column("author_email", String(320), nullable=True),
    Column("author_url", String(2000), nullable=True),
    Column("text", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("score", Float, nullable=True),  # NULL: the comment could not be scored
    Column("band", String(16), nullable=True),
    Column("reasons", JSON, nullable=True),
    Column("model_version", String(64), nullable=True),
    Column("signals", JSON, nullable=True),
    Column("ip_truncated", String(64), nullable=True),
    Column("ip_hash", String(64), nullable=True, index=True),
    Column("email_hash", String(64), nullable=True, index=True),
    Column("user_agent", String(500), nullable=True),
    Column("created_at", _utc_datetime(), nullable=False, index=True),
    Column("decided_at", _utc_datetime(), nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("row_version", Integer, nullable=False, default=1, server_default=text("1")),
    Column("source", String(16), nullable=False, default="form", server_default="form"),
    # Akismet's is_test=1: kept for the dashboard but never used as training data.
    Column("is_test", Boolean, nullable=False, default=False, server_default=false()),
    # The page the comment was written on: its address (Akismet's permalink, the widget's
    # page) and title, as the reader's browser reported them.
    Column("permalink", String(2000), nullable=True),
    Column("site", String(100), nullable=True),
    Column("thread_title", String(300), nullable=True),
    CheckConstraint(_one_of("status", COMMENT_STATUSES), name="status"),
    CheckConstraint(_one_of("source", COMMENT_SOURCES), name="source"),
    CheckConstraint(_one_of("band", SCORE_BANDS), name="band"),
    # The moderation queue pages by (status, sort key, id) without OFFSET.
    Index("ix_comments_status_created_at_id", "status", "created_at", "id"),
    Index("ix_comments_status_score_id", "status", "score", "id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "comment_id",
        Integer,
        ForeignKey("comments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("action", String(16), nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("moderator", String(200), nullable=False),
    Column("created_at", _utc_datetime(), nullable=False),
    CheckConstraint(_one_of("action", DECISION_ACTIONS), name="action"),
)

moderators = Table(
    "moderators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    # Stored in each session and compared on every request: bumping it logs the moderator
    # out everywhere (password change, account disabled).
    Column("session_epoch", Integer, nullable=False, default=0, server_default=text("0")),
    Column("created_at", _utc_datetime(), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    # SHA-256 hex of the token: a leaked database does not leak usable tokens, and a fast
    # hash is enough because tokens are long random strings, not passwords.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("created_at", _utc_datetime(), nullable=False),
    Column("revoked_at", _utc_datetime(), nullable=True),
    Column("last_used_at", _utc_datetime(), nullable=True),
    CheckConstraint(_one_of("role", TOKEN_ROLES), name="role"),
)

# One row per logged-in moderator browser. The cookie carries a random session id and only its
# SHA-256 is kept here, so logout and a password change end a session for real (a copied
# cookie stops working) and a leaked database holds no usable session.
moderator_sessions = Table(
    "moderator_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column(
        "moderator_id",
        Integer,
        ForeignKey("moderators.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", _utc_datetime(), nullable=False),
    Column("expires_at", _utc_datetime(), nullable=False, index=True),
)

# A row per redeemed challenge token: the primary key makes a token single-use across all
# instances, without needing Redis.
challenge_redemptions = Table(
    "challenge_redemptions",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("redeemed_at", _utc_datetime(), nullable=False, index=True),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("path", String(1000), nullable=False),
    Column("metadata", JSON, nullable=True),
    Column("created_at", _utc_datetime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("activated_at", _utc_datetime(), nullable=True),
    CheckConstraint(_one_of("status", MODEL_STATUSES), name="status"),
    # At most one active model, enforced by the database so that two concurrent activations
    # cannot both win.
    Index(
        "ux_model_versions_one_active",
        "status",
        unique=True,
        sqlite_where=text("status = 'active'"),
        postgresql_where=text("status = 'active'"),
    ),
)

# Per-site overrides of SPAMSCHUTZ_CHALLENGE_MODE, keyed by the name the widget sends as data-site.
sites = Table(
    "sites",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("challenge", String(16), nullable=False),
    Column("origin", String(2000), nullable=True),
    Column("created_at", _utc_datetime(), nullable=False),
    Column("updated_at", _utc_datetime(), nullable=False),
    CheckConstraint(_one_of("challenge", CHALLENGE_MODES), name="challenge"),
)

# The secret is stored as given: signing needs it in clear, unlike API tokens which only need
# to be recognised.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("events", JSON, nullable=False),
    Column("created_at", _utc_datetime(), nullable=False),
    Column("disabled_at", _utc_datetime(), nullable=True),
)

# The outbox: one row per (event, endpoint), written in the transaction that changed the
# comment, so an event is neither lost when the receiver is down nor sent for a rolled-back change.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "endpoint_id",
        Integer,
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("event_id", String(36), nullable=False),
    Column("event", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0, server_default=text("0")),
    Column("next_attempt_at", _utc_datetime(), nullable=False),
    Column("last_error", String(500), nullable=True),
    Column("created_at", _utc_datetime(), nullable=False),
    Column("delivered_at", _utc_datetime(), nullable=True),
    CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
)

# Campaigns: comments that came as one wave (service/campaigns/). "sweeping" is set by a
# moderator's spam decision on a member: pending members go to the spam folder, later ones
# arrive there. "shares" lists what the members have in common (domains, phones, e-mails).
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("public_id", String(36), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("sweeping", Boolean, nullable=False, default=False, server_default=false()),
    Column("spam_like", Boolean, nullable=False, default=False, server_default=false()),
    Column("shares", JSON, nullable=False),
    Column("member_count", Integer, nullable=False, default=0, server_default=text("0")),
    Column("thread_count", Integer, nullable=False, default=0, server_default=text("0")),
    Column("first_seen", _utc_datetime(), nullable=False),
    Column("last_seen", _utc_datetime(), nullable=False, index=True),
    Column("detected_at", _utc_datetime(), nullable=True),
    Column("swept_at", _utc_datetime(), nullable=True),
    Column("swept_by", String(200), nullable=True),
    # The comment whose spam decision started the sweep: undoing that decision undoes it.
    Column("trigger_comment_id", Integer, nullable=True),
    Column("dissolved_at", _utc_datetime(), nullable=True),
    Column("dissolved_by", String(200), nullable=True),
    CheckConstraint(_one_of("status", CAMPAIGN_STATUSES), name="status"),
)

campaign_members = Table(
    "campaign_members",
    metadata,
    Column(
        "comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "campaign_id",
        Integer,
        ForeignKey("campaigns.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("link", String(16), nullable=False),
    Column("joined_at", _utc_datetime(), nullable=False),
    # The spam decision the sweep recorded for this member; undoing the sweep takes it back.
    Column("sweep_decision_id", Integer, nullable=True),
    CheckConstraint(_one_of("link", CAMPAIGN_LINKS), name="link"),
)

# The detection's window: one row per recent comment with what it is compared on, and its
# keys (text bands, domains, phones, e-mails, senders) indexed for the look-up at intake.
# They name their comment without a foreign key: on PostgreSQL the keys' checks were half of
# a batch's index write (bench/README.md, Campaigns). Whoever deletes or erases comments
# deletes their prints and keys (service/storage/privacy.py).
campaign_prints = Table(
    "campaign_prints",
    metadata,
    Column("comment_id", Integer, primary_key=True, autoincrement=False),
    Column("thread_id", String(200), nullable=False),
    Column("sender", String(64), nullable=True),
    Column("signature", LargeBinary, nullable=True),
    # The comment's key hashes (signed 64-bit, little-endian), by which its rows of
    # campaign_key_hashes are deleted: an index on their comment cost every row a third
    # B-tree to write.
    Column("key_hashes", LargeBinary, nullable=True),
    Column("created_at", _utc_datetime(), nullable=False, index=True),
)

# A key is stored as a 64-bit hash of its text (campaign_index.key_hash), in a table that is
# its own index (on SQLite without a rowid): one B-tree per row instead of three, and a phone
# number or an e-mail address never stored as written. Each key's newest comments are a
# range of it.
campaign_key_hashes = Table(
    "campaign_key_hashes",
    metadata,
    Column("key_hash", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", _utc_datetime(), primary_key=True),
    Column("comment_id", Integer, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

# The detection's queue: comments stored but not yet linked to their campaign. A row goes in
# with its comment and out in the transaction that links it, so a crash or a restart loses
# none, and any instance's detector may take it. It holds the comment's fingerprint, taken at
# intake: its keys, one per line, and the text the detector takes its MinHash of. Without
# keys (a comment replayed from the spool, or queued before the keys were) the detector
# takes the whole fingerprint from the comment.
campaign_backlog = Table(
    "campaign_backlog",
    metadata,
    Column(
        "comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("print_keys", Text, nullable=True),
    Column("shingled_text", Text, nullable=True),
)
