"""The detection's settings, read from the app's configuration and checked once."""

from __future__ import annotations

from collections.abc import Mapping

from spamschutz.service.campaigns.fingerprint import registrable_domain
from spamschutz.service.storage import DetectionRules

__all__ = ["common_domains", "detection_rules"]


def detection_rules(config: Mapping[str, object]) -> DetectionRules:
    """The ``CAMPAIGN_*`` settings as :class:`DetectionRules`; ``ValueError`` names a bad one."""
    rules = DetectionRules(
        window_days=float(config["CAMPAIGN_WINDOW_DAYS"]),  # type: ignore[arg-type]
        similarity=float(config["CAMPAIGN_SIMILARITY"]),  # type: ignore[arg-type]
        min_members=int(config["CAMPAIGN_MIN_MEMBERS"]),  # type: ignore[call-overload]
        burst_minutes=float(config["CAMPAIGN_BURST_MINUTES"]),  # type: ignore[arg-type]
        burst_threads=int(config["CAMPAIGN_BURST_THREADS"]),  # type: ignore[call-overload]
    )
    if rules.window_days <= 0:
        raise ValueError("SPAMSCHUTZ_CAMPAIGN_WINDOW_DAYS must be positive")
    if not 0 < rules.similarity <= 1:
        raise ValueError("SPAMSCHUTZ_CAMPAIGN_SIMILARITY must be above 0 and at most 1")
    # Two comments are a coincidence; the rule "never sweep readers" starts here.
    if rules.min_members < 2:
        raise ValueError("SPAMSCHUTZ_CAMPAIGN_MIN_MEMBERS must be 2 or more")
    if rules.burst_minutes < 0:
        raise ValueError("SPAMSCHUTZ_CAMPAIGN_BURST_MINUTES must be 0 or more")
    if rules.burst_threads < 2:
        raise ValueError("SPAMSCHUTZ_CAMPAIGN_BURST_THREADS must be 2 or more")
    return rules


def common_domains(config: Mapping[str, object]) -> frozenset[str]:
    """The domains never to group by beside the built-in ones: ``CAMPAIGN_COMMON_DOMAINS`` and
    the site's own (``SITE_DOMAINS``), as registrable domains in lower case."""
    raw = f"{config.get('CAMPAIGN_COMMON_DOMAINS') or ''},{config.get('SITE_DOMAINS') or ''}"
    names = raw.replace(" ", ",").split(",")
    return frozenset(registrable_domain(name.strip()) for name in names if name.strip())
