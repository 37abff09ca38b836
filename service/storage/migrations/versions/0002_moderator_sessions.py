"""Server-side moderator sessions, so that logout and password changes end them for real.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _utc_datetime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``moderator_sessions``; moderators logged in before must log in again."""
    op.create_table(
        "moderator_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.Column("expires_at", _utc_datetime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["moderators.id"],
            name=op.f("fk_moderator_sessions_moderator_id_moderators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_moderator_sessions")),
    )
    op.create_index(
        op.f("ix_moderator_sessions_moderator_id"), "moderator_sessions", ["moderator_id"]
    )
    op.create_index(
        op.f("ix_moderator_sessions_expires_at"), "moderator_sessions", ["expires_at"]
    )


def downgrade() -> None:
    """Drop ``moderator_sessions`` (everyone is logged out)."""
    op.drop_table("moderator_sessions")
