"""Running the campaign detection for an accepted comment, without ever risking the comment."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.campaigns.settings import common_domains, detection_rules
from spamschutz.service.observability.metrics import observe_campaign_detection
from spamschutz.service.storage import Repository
from spamschutz.service.storage.campaigns import LinkResult

__all__ = ["detect_campaign"]

log = logging.getLogger(__name__)


def detect_campaign(
    repository: Repository,
    public_id: str,
    comment: Mapping[str, Any],
    config: Mapping[str, object],
) -> LinkResult | None:
    """Compare the stored comment with the recent ones and join it to its campaign.

    Failure policy: the comment is already stored when this runs, and stays stored and
    queued whatever happens here. An error in the detection (a database hiccup, a bug) costs
    the campaign one member, never a reader's comment: it is logged and ``None`` returned.
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
        return repository.link_comment(
            public_id, fingerprint.index_keys(), fingerprint.signature, detection_rules(config)
        )
    except Exception:  # the comment must not suffer for the detection: see the docstring
        log.exception("campaign detection failed for comment %s; the comment is kept", public_id)
        return None
    finally:
        observe_campaign_detection(time.perf_counter() - started)
