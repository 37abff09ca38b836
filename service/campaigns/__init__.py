"""Campaigns: comments that arrive as one wave, recognised after intake and swept by one decision.

:mod:`~spamschutz.service.campaigns.fingerprint` and :mod:`~spamschutz.service.campaigns.minhash`
are pure; the detection's storage is :mod:`spamschutz.service.storage.campaigns`;
:mod:`~spamschutz.service.campaigns.detector` links each accepted comment, in batches, after it
is stored.
"""

__all__: list[str] = []
