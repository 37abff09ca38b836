"""The campaign detection's index keeps no foreign keys to ``comments``: its rows are deleted
with their comments by the code that deletes comments (retention purge) or erases them.

On PostgreSQL the checks of those keys were half of a batch's index write (EXPLAIN ANALYZE:
1.9 of 3.8 ms for 25 prints and 225 keys; bench/README.md, Campaigns).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_INDEX_TABLES = ("campaign_prints", "campaign_keys")


def upgrade() -> None:
    """Drop the foreign keys of ``campaign_prints`` and ``campaign_keys`` to ``comments``."""
    for table in _INDEX_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_comment_id_comments"), type_="foreignkey")


def downgrade() -> None:
    """Put the foreign keys back, after forgetting index rows whose comment is gone."""
    for table in _INDEX_TABLES:
        op.execute(f"DELETE FROM {table} WHERE comment_id NOT IN (SELECT id FROM comments)")  # noqa: S608
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(op.f(f"fk_{table}_comment_id_comments"), "comments",
                                     ["comment_id"], ["id"], ondelete="CASCADE")
