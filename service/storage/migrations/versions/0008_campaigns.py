"""Campaigns: comments that arrive as one wave, and the detection's window of recent comments.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def _utc_datetime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add ``campaigns``, ``campaign_members``, ``campaign_prints`` and ``campaign_keys``."""
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sweeping", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("spam_like", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shares", sa.JSON(), nullable=False),
        sa.Column("member_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("thread_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("first_seen", _utc_datetime(), nullable=False),
        sa.Column("last_seen", _utc_datetime(), nullable=False),
        sa.Column("detected_at", _utc_datetime(), nullable=True),
        sa.Column("swept_at", _utc_datetime(), nullable=True),
        sa.Column("swept_by", sa.String(length=200), nullable=True),
        sa.Column("trigger_comment_id", sa.Integer(), nullable=True),
        sa.Column("dissolved_at", _utc_datetime(), nullable=True),
        sa.Column("dissolved_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('forming', 'open', 'dissolved')", name=op.f("ck_campaigns_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("public_id", name=op.f("uq_campaigns_public_id")),
    )
    op.create_index(op.f("ix_campaigns_last_seen"), "campaigns", ["last_seen"])
    op.create_table(
        "campaign_members",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=16), nullable=False),
        sa.Column("joined_at", _utc_datetime(), nullable=False),
        sa.Column("sweep_decision_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "link IN ('text', 'domain', 'phone', 'email', 'mail_domain', 'sender')",
            name=op.f("ck_campaign_members_link"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"],
            name=op.f("fk_campaign_members_campaign_id_campaigns"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"],
            name=op.f("fk_campaign_members_comment_id_comments"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_campaign_members")),
    )
    op.create_index(
        op.f("ix_campaign_members_campaign_id"), "campaign_members", ["campaign_id"]
    )
    op.create_table(
        "campaign_prints",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"],
            name=op.f("fk_campaign_prints_comment_id_comments"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_campaign_prints")),
    )
    op.create_index(op.f("ix_campaign_prints_created_at"), "campaign_prints", ["created_at"])
    op.create_table(
        "campaign_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"],
            name=op.f("fk_campaign_keys_comment_id_comments"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_keys")),
    )
    op.create_index(op.f("ix_campaign_keys_comment_id"), "campaign_keys", ["comment_id"])
    op.create_index("ix_campaign_keys_key_created_at", "campaign_keys", ["key", "created_at"])


def downgrade() -> None:
    """Drop the campaign tables (the comments and their decisions stay)."""
    op.drop_table("campaign_keys")
    op.drop_table("campaign_prints")
    op.drop_table("campaign_members")
    op.drop_table("campaigns")
