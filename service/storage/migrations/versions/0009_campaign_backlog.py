"""The campaign detection's queue: comments stored but not yet linked to their campaign.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``campaign_backlog``."""
    op.create_table(
        "campaign_backlog",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"],
            name=op.f("fk_campaign_backlog_comment_id_comments"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_campaign_backlog")),
    )


def downgrade() -> None:
    """Drop ``campaign_backlog`` (comments still in it stay unlinked)."""
    op.drop_table("campaign_backlog")
