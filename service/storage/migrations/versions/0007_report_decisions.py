"""Akismet feedback is a label, not a decision: ``report_spam`` and ``report_ham`` join the
audit trail without changing a comment's status.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_WITH_REPORTS = (
    "action IN ('approve', 'reject', 'spam', 'ham', 'undo', 'report_spam', 'report_ham')"
)
_WITHOUT_REPORTS = "action IN ('approve', 'reject', 'spam', 'ham', 'undo')"


def upgrade() -> None:
    """Allow ``report_spam`` and ``report_ham`` in ``decisions.action``."""
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_decisions_action"), _WITH_REPORTS)


def downgrade() -> None:
    """Forget the reports (they changed no status) and refuse them again."""
    op.execute("DELETE FROM decisions WHERE action IN ('report_spam', 'report_ham')")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_action"), type_="check")
        batch.create_check_constraint(op.f("ck_decisions_action"), _WITHOUT_REPORTS)
