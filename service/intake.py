"""Storing an accepted submission, so that a ``202`` is never a broken promise.

The database first. When it is unavailable, the local spool
(:mod:`spamschutz.service.storage.spool`), from which the comment is replayed once the database is
back. When neither can take the comment, :class:`StorageUnavailable`, which the API answers with
``503`` and ``Retry-After``: never a 2xx for a comment that is not kept.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spamschutz.service.storage import (
    CampaignPrint,
    ChallengeAlreadyRedeemed,
    CommentRow,
    CommentStore,
    Spool,
    SpooledComment,
    SpoolUnavailable,
    StorageUnavailable,
    utc_now,
)

__all__ = ["IdempotencyKeyReused", "StoredSubmission", "store_submission"]

log = logging.getLogger(__name__)

# What makes two submissions the same comment. A retry may carry a new challenge token and
# answer (the first answer was lost), never another text or author.
CONTENT_FIELDS = ("thread_id", "author_name", "author_email", "author_url", "text")


class IdempotencyKeyReused(Exception):
    """The idempotency key belongs to an earlier submission of a different comment."""


@dataclass(frozen=True)
class StoredSubmission:
    """Where an accepted comment went: its public id, and whether it waits in the spool."""

    public_id: str
    spooled: bool


def store_submission(
    comments: CommentStore,
    spool: Spool,
    *,
    claim_challenge: Callable[[str], bool],
    challenge_token_id: str | None,
    idempotency_key: str | None,
    content: Mapping[str, Any],
    build_comment: Callable[[], dict[str, Any]],
    campaign_fingerprint: Callable[[Mapping[str, Any]], CampaignPrint | None] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> StoredSubmission | None:
    """Redeem the challenge and store the comment; ``None`` if the token was already used.

    ``claim_challenge(token_id)`` is a quick check before any work: ``False`` when the token
    is known to be used already (Redis remembers redemptions). The database decides in the
    end: the token is redeemed in the transaction that inserts the comment, so a replayed
    token is refused with nothing stored. When the database is unavailable, the comment is
    spooled and its token redeemed when it is replayed.

    ``build_comment`` returns the keyword arguments of :meth:`CommentStore.add_comment` (without
    the idempotency key); it is called once, and only when the comment is to be stored, so a
    client's retry costs no scoring. A retry with the same ``idempotency_key`` gets the first
    attempt's id, whether that attempt is in the database or still in the spool; the key of a
    different comment (``content``: the :data:`CONTENT_FIELDS`) raises
    :class:`IdempotencyKeyReused` rather than lose the new one behind the old one's id.

    ``challenge_token_id`` is ``None`` for a comment stored without a question (a site in
    ``unsure`` or ``never`` challenge mode): there is nothing to redeem.

    With ``campaign_fingerprint`` (the campaign detection is on) the comment is queued for
    the detection in the transaction that stores it, with the fingerprint that function
    takes of it (linked afterwards, see :mod:`spamschutz.service.campaigns.detector`); a
    spooled comment is queued when it is replayed, and the detector takes its fingerprint.
    """
    if idempotency_key:
        spooled = spool.find(idempotency_key)
        if spooled is not None:
            _check_same_content(spooled.comment, content)
            return StoredSubmission(spooled.public_id, spooled=True)
    # Chosen before the database is tried and used there too: if the database commits but
    # the answer is lost on the way back, the replay finds that row by this key instead of
    # adding the comment a second time.
    key = idempotency_key or f"server:{uuid.uuid4()}"
    public_id = str(uuid.uuid4())
    received_at = clock()
    comment: dict[str, Any] | None = None
    try:
        if idempotency_key:
            existing = comments.find_comment_by_idempotency_key(idempotency_key)
            if existing is not None:
                _check_same_content(_content_of(existing), content)
                return StoredSubmission(existing.public_id, spooled=False)
        if challenge_token_id is not None and not claim_challenge(challenge_token_id):
            return None
        comment = build_comment()
        row = comments.add_comment(
            **comment,
            idempotency_key=key,
            public_id=public_id,
            challenge_token_id=challenge_token_id,
            refuse_redeemed_token=True,
            queue_campaign_detection=campaign_fingerprint is not None,
            campaign_print=campaign_fingerprint(comment) if campaign_fingerprint else None,
        )
        if row.public_id != public_id:  # a request with the same key stored its comment first
            _check_same_content(_content_of(row), content)
        return StoredSubmission(row.public_id, spooled=False)
    except ChallengeAlreadyRedeemed:
        return None
    except StorageUnavailable as unavailable:
        record = SpooledComment(
            idempotency_key=key,
            public_id=public_id,
            received_at=received_at,
            challenge_token_id=challenge_token_id or "",
            # The transaction that would have redeemed it did not commit.
            challenge_redeemed=challenge_token_id is None,
            comment=_with_detection(
                comment if comment is not None else build_comment(),
                campaign_fingerprint is not None,
            ),
        )
        try:
            stored = spool.write(record)
        except SpoolUnavailable as error:
            log.error("database and spool unavailable, comment refused with 503: %s", error)
            raise StorageUnavailable(
                "neither the database nor the spool can store the comment"
            ) from error
        log.warning("database unavailable (%s): comment %s spooled", unavailable, stored.public_id)
        return StoredSubmission(stored.public_id, spooled=True)


def _with_detection(comment: dict[str, Any], queue_campaign_detection: bool) -> dict[str, Any]:
    # A spooled comment is replayed with these arguments: queued then for the detection, as
    # it would have been when it arrived. Records written without the key replay without it.
    if not queue_campaign_detection:
        return comment
    return {**comment, "queue_campaign_detection": True}


def _content_of(row: CommentRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CONTENT_FIELDS}


def _check_same_content(first: Mapping[str, Any], content: Mapping[str, Any]) -> None:
    if any(first.get(name) != content.get(name) for name in CONTENT_FIELDS):
        raise IdempotencyKeyReused("the idempotency key was used for a different comment")
