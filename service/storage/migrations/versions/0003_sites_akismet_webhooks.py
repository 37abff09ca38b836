"""Per-site challenge modes, Akismet-compatible checks and signed webhook deliveries.

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _utc_datetime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add ``comments.source``/``is_test``/``permalink``/``site``, ``sites`` and the webhook tables.

    Existing comments all came through the form, so ``source`` defaults to ``'form'``.
    """
    with op.batch_alter_table("comments") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=16), server_default="form", nullable=False)
        )
        batch.add_column(
            sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("permalink", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("site", sa.String(length=100), nullable=True))
        batch.create_check_constraint(op.f("ck_comments_source"), "source IN ('form', 'akismet')")
    op.create_table(
        "sites",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("challenge", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=2000), nullable=True),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.Column("updated_at", _utc_datetime(), nullable=False),
        sa.CheckConstraint(
            "challenge IN ('always', 'unsure', 'never')", name=op.f("ck_sites_challenge")
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sites")),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.Column("disabled_at", _utc_datetime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", _utc_datetime(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.Column("delivered_at", _utc_datetime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_webhook_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_endpoint_id"), "webhook_deliveries", ["endpoint_id"]
    )
    op.create_index(
        "ix_webhook_deliveries_status_next_attempt_at",
        "webhook_deliveries",
        ["status", "next_attempt_at"],
    )


def downgrade() -> None:
    """Drop the webhook and site tables and the Akismet columns of ``comments``."""
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_table("sites")
    with op.batch_alter_table("comments") as batch:
        batch.drop_constraint("ck_comments_source", type_="check")
        batch.drop_column("site")
        batch.drop_column("permalink")
        batch.drop_column("is_test")
        batch.drop_column("source")
