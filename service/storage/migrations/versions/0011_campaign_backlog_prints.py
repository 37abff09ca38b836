"""The detection's queue holds each comment's fingerprint, taken at intake right after its
score, whose normalisation it reuses: its keys and the text to take its MinHash of, which the
detector takes for a whole batch at once.

Comments queued before (and comments replayed from the spool) have no keys; the detector
takes their fingerprint from the text, as it did for all.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``print_keys`` and ``shingled_text`` to ``campaign_backlog``."""
    with op.batch_alter_table("campaign_backlog") as batch:
        batch.add_column(sa.Column("print_keys", sa.Text(), nullable=True))
        batch.add_column(sa.Column("shingled_text", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them (the detector of that version fingerprints every queued comment)."""
    with op.batch_alter_table("campaign_backlog") as batch:
        batch.drop_column("shingled_text")
        batch.drop_column("print_keys")
