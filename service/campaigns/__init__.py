"""Campaigns: comments that arrive as one wave, recognised at intake and swept by one decision.

:mod:`~service.campaigns.fingerprint` and :mod:`~service.campaigns.minhash` are pure; the
detection's storage is :mod:`service.storage.campaigns`; :mod:`~service.campaigns.intake`
runs it for each accepted comment.
"""

__all__: list[str] = []
