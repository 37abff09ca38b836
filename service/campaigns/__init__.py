"""Campaigns: comments that arrive as one wave, recognised at intake and swept by one decision.

:mod:`~spamschutz.service.campaigns.fingerprint` and :mod:`~spamschutz.service.campaigns.minhash`
are pure; the detection's storage is :mod:`spamschutz.service.storage.campaigns`;
:mod:`~spamschutz.service.campaigns.intake` runs it for each accepted comment.
"""

__all__: list[str] = []
