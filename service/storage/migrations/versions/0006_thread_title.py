"""Comments keep the title of the article they were written under (``comments.thread_title``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the nullable ``thread_title`` column."""
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("thread_title", sa.String(300), nullable=True))


def downgrade() -> None:
    """Drop ``thread_title``."""
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("thread_title")
