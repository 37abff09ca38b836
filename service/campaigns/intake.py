"""Preparing the campaign detection for a comment about to be stored, without ever risking it."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.campaigns.settings import common_domains, detection_rules
from spamschutz.service.observability.metrics import observe_campaign_detection
from spamschutz.service.storage import CampaignLink

__all__ = ["campaign_link"]

log = logging.getLogger(__name__)


def campaign_link(comment: Mapping[str, Any], config: Mapping[str, object]) -> CampaignLink | None:
    """What :meth:`CommentStore.add_comment` needs to link the comment to its campaign in the
    transaction that stores it: the fingerprint (computed here, before the database's write
    lock is taken) and the rules. ``None`` when the detection is off.

    ``comment`` holds ``text``, ``author_email``, ``author_url``, ``ip_hash`` and
    ``email_hash``. Failure policy: an error here (a bug, a bad setting) costs the campaign
    one member, never a reader's comment: it is logged and ``None`` returned.
    """
    if not config.get("CAMPAIGN_DETECTION", True):
        return None
    started = time.perf_counter()
    try:
        fingerprint = fingerprint_comment(
            comment["text"],
            author_email=comment.get("author_email"),
            author_url=comment.get("author_url"),
            senders=(comment.get("ip_hash") or "", comment.get("email_hash") or ""),
            common_domains=common_domains(config),
        )
        rules = detection_rules(config)
    except Exception:  # the comment must not suffer for the detection: see the docstring
        log.exception("campaign detection failed before storing a comment; the comment is kept")
        return None
    fingerprint_seconds = time.perf_counter() - started
    return CampaignLink(
        tuple(dict.fromkeys(fingerprint.index_keys())),
        fingerprint.signature,
        rules,
        # The metric is the detection's whole time: the fingerprint and the database work.
        observe=lambda seconds: observe_campaign_detection(fingerprint_seconds + seconds),
    )
