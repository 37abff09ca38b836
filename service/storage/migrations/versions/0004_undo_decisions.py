"""Decisions can be undone: the ``undo`` action joins the audit trail.

Revision ID: 0004
Revises: 0003
Create Date: 2025-11-28
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_WITH_UNDO = "action IN ('approve', 'reject', 'spam', 'ham', 'undo')"
_WITHOUT_UNDO = "action IN ('approve', 'reject', 'spam', 'ham')"


def upgrade() -> None:
    """Allow ``undo`` in ``decisions.action``."""
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_decisions_action"), _WITH_UNDO)


def downgrade() -> None:
    """Forget undo records (the statuses they restored stay) and refuse ``undo`` again."""
    op.execute("DELETE FROM decisions WHERE action = 'undo'")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_decisions_action"), _WITHOUT_UNDO)
