"""Commenters' personal data: deleting it after the retention, exporting and erasing it on request.

What is stored about a commenter: name, optional e-mail address and website, the text, the
address truncated to its network (/24, /48), keyed hashes of address and e-mail (HMAC with the
installation's secret) and the browser's user agent. Erasure (GDPR Art. 17) blanks all of that
in place instead of deleting the row: the moderation decisions stay as an audit trail and in
the counts, while the empty text (:data:`ERASED_TEXT`) keeps the row out of published threads
and out of training data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    delete,
    false,
    func,
    or_,
    select,
)

from spamschutz.service.storage.campaign_index import unpacked_hashes
from spamschutz.service.storage.records import CommentRow, DecisionRow, as_utc
from spamschutz.service.storage.schema import (
    campaign_backlog,
    campaign_key_hashes,
    campaign_prints,
    comments,
    decisions,
)
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["ERASED_TEXT", "PURGED_STATUSES", "PersonalComment", "PrivacyStore"]

_DELETE_KEY = delete(campaign_key_hashes).where(
    campaign_key_hashes.c.key_hash == bindparam("hash"),
    campaign_key_hashes.c.created_at == bindparam("time"),
    campaign_key_hashes.c.comment_id == bindparam("id"),
)

# What an erased comment's text and author name become.
ERASED_TEXT = ""
# Only comments nobody will publish are deleted after the retention; pending ones still await a
# decision and approved ones are part of the published discussion.
PURGED_STATUSES = ("spam", "rejected")


@dataclass(frozen=True)
class PersonalComment:
    """A comment stored for a commenter, with the moderation decisions taken on it."""

    comment: CommentRow
    decisions: list[DecisionRow]


def _of_commenter(email: str, email_hash: str | None) -> ColumnElement[bool]:
    # Both: the keyed hash finds comments whatever the spelling of the address, the stored
    # address finds comments stored under an earlier secret key (whose hashes no longer match).
    by_address = func.lower(comments.c.author_email) == email.strip().lower()
    by_hash = comments.c.email_hash == email_hash if email_hash else false()
    return or_(by_address, by_hash)


class PrivacyStore(TransactionalStore):
    """Retention and a commenter's rights of access and erasure (``runtime().privacy``)."""

    def purge_comments(self, older_than: datetime) -> int:
        """Delete spam and rejected comments that arrived before ``older_than``; how many.

        Their decisions are deleted with them, so spam labels older than the retention no
        longer reach ``train --from-db``, and so are their prints and keys in the campaign
        detection's window, which no foreign key deletes (see the schema).
        """
        doomed = select(comments.c.id).where(
            comments.c.status.in_(PURGED_STATUSES), comments.c.created_at < as_utc(older_than)
        )
        with self._transaction() as connection:
            # Explicitly, not by ON DELETE CASCADE alone: SQLite only cascades when the
            # connection enabled foreign keys, and a purge must not depend on that.
            connection.execute(delete(decisions).where(decisions.c.comment_id.in_(doomed)))
            _forget_for_the_detection(connection, doomed)
            return connection.execute(delete(comments).where(comments.c.id.in_(doomed))).rowcount

    def comments_of_commenter(self, email: str, email_hash: str | None) -> list[PersonalComment]:
        """Every comment stored for the e-mail address (or its keyed hash), oldest first."""
        query = (
            select(comments)
            .where(_of_commenter(email, email_hash))
            .order_by(comments.c.created_at, comments.c.id)
        )
        with self._transaction() as connection:
            rows = connection.execute(query).mappings().all()
            ids = [row["id"] for row in rows]
            decided = connection.execute(
                select(decisions, comments.c.public_id)
                .join(comments, decisions.c.comment_id == comments.c.id)
                .where(decisions.c.comment_id.in_(ids))
                .order_by(decisions.c.id)
            ).mappings()
            by_comment: dict[str, list[DecisionRow]] = {}
            for decision in decided:
                by_comment.setdefault(decision["public_id"], []).append(
                    DecisionRow.from_row(decision)
                )
        return [
            PersonalComment(CommentRow.from_row(row), by_comment.get(row["public_id"], []))
            for row in rows
        ]

    def erase_commenter(self, email: str, email_hash: str | None) -> int:
        """Blank the personal data and text of every comment of the address; how many.

        The status, scores and decisions stay (audit trail, queue counts); the model's reasons
        go too, because they quote words of the text, and so does the campaign detection's
        index of the comments (it holds addresses, phone numbers and sender hashes), and a
        comment still waiting for the detection leaves its queue unread.
        """
        statement = (
            comments.update()
            .where(_of_commenter(email, email_hash))
            .values(
                author_name=ERASED_TEXT,
                author_email=None,
                author_url=None,
                text=ERASED_TEXT,
                reasons=[],
                ip_truncated=None,
                ip_hash=None,
                email_hash=None,
                user_agent=None,
                row_version=comments.c.row_version + 1,
            )
        )
        erased = select(comments.c.id).where(_of_commenter(email, email_hash))
        with self._transaction() as connection:
            _forget_for_the_detection(connection, erased)
            return connection.execute(statement).rowcount


def _forget_for_the_detection(connection: Connection, comment_ids: Select[Any]) -> None:
    """Take the comments out of the campaign detection: its queue, its prints and keys."""
    # The queue first: a detector linking one of them holds its queue row, so this waits for
    # the detector's commit, and the prints and keys it wrote are seen and deleted next.
    connection.execute(
        delete(campaign_backlog).where(campaign_backlog.c.comment_id.in_(comment_ids)))
    # A key row is found by its hash, time and comment, which the comment's print holds.
    keyed = [
        {"hash": hashed, "time": created_at, "id": comment_id}
        for comment_id, created_at, packed in connection.execute(
            select(campaign_prints.c.comment_id, campaign_prints.c.created_at,
                   campaign_prints.c.key_hashes)
            .where(campaign_prints.c.comment_id.in_(comment_ids)))
        for hashed in unpacked_hashes(packed)
    ]
    if keyed:
        connection.execute(_DELETE_KEY, keyed)
    connection.execute(
        delete(campaign_prints).where(campaign_prints.c.comment_id.in_(comment_ids)))
