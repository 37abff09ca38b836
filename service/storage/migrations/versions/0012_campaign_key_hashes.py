"""The detection's keys as 64-bit hashes in a table that is its own index
(``campaign_key_hashes``; on SQLite without a rowid), in place of ``campaign_keys``.

A key row cost three B-trees (the table, the key index, the comment index); now one, and a
look-up reads a key's newest comments as one range of it. A comment's hashes are kept with
its print (``key_hashes``), by which its rows are deleted. The stored keys are hashed here,
so the window's comments are found as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spamschutz.service.storage.campaign_index import key_hash, packed_hashes

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

_CHUNK = 10_000
_OLD_KEYS = sa.table("campaign_keys", sa.column("key"), sa.column("comment_id"),
                     sa.column("created_at"))
_HASHES = sa.table("campaign_key_hashes", sa.column("key_hash"), sa.column("comment_id"),
                   sa.column("created_at"))
_PRINTS = sa.table("campaign_prints", sa.column("comment_id"), sa.column("key_hashes"))


def upgrade() -> None:
    """Create ``campaign_key_hashes``, hash the stored keys into it, drop ``campaign_keys``."""
    op.create_table(
        "campaign_key_hashes",
        sa.Column("key_hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key_hash", "created_at", "comment_id",
                                name=op.f("pk_campaign_key_hashes")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("campaign_prints") as batch:
        batch.add_column(sa.Column("key_hashes", sa.LargeBinary(), nullable=True))
    _hash_stored_keys(op.get_bind())
    op.drop_table("campaign_keys")


def _hash_stored_keys(connection: sa.Connection) -> None:
    # In chunks of comments, each read whole (its hashes are written with its print).
    after = -1
    while True:
        chunk = connection.execute(
            sa.select(_OLD_KEYS.c.comment_id).distinct().where(_OLD_KEYS.c.comment_id > after)
            .order_by(_OLD_KEYS.c.comment_id).limit(_CHUNK)).scalars().all()
        if not chunk:
            return
        hashes: dict[int, dict[int, object]] = {}
        for comment_id, key, created_at in connection.execute(
                sa.select(_OLD_KEYS.c.comment_id, _OLD_KEYS.c.key, _OLD_KEYS.c.created_at)
                .where(_OLD_KEYS.c.comment_id.between(chunk[0], chunk[-1]))):
            hashes.setdefault(comment_id, {})[key_hash(key)] = created_at
        connection.execute(_HASHES.insert(), [
            {"key_hash": hashed, "comment_id": comment_id, "created_at": created_at}
            for comment_id, of_comment in hashes.items()
            for hashed, created_at in of_comment.items()])
        connection.execute(
            _PRINTS.update().where(_PRINTS.c.comment_id == sa.bindparam("id"))
            .values(key_hashes=sa.bindparam("packed")),
            [{"id": comment_id, "packed": packed_hashes(of_comment)}
             for comment_id, of_comment in hashes.items()])
        after = chunk[-1]


def downgrade() -> None:
    """Put ``campaign_keys`` back, empty: a hash does not give its key back, so the detection
    starts a new window (the campaigns found so far stay)."""
    op.create_table(
        "campaign_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_keys")),
    )
    op.create_index(op.f("ix_campaign_keys_comment_id"), "campaign_keys", ["comment_id"])
    op.create_index("ix_campaign_keys_key_created_at", "campaign_keys", ["key", "created_at"])
    op.execute("DELETE FROM campaign_prints")
    with op.batch_alter_table("campaign_prints") as batch:
        batch.drop_column("key_hashes")
    op.drop_table("campaign_key_hashes")
