"""Which challenge mode applies to a submission: the site's own setting, else the default."""

from __future__ import annotations

import re

from flask import current_app

from service.extensions import runtime

__all__ = ["SITE_NAME", "challenge_mode"]

# Site names are short identifiers chosen by the installation; anything else is not a site.
SITE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def challenge_mode(site: str | None) -> str:
    """``always``, ``unsure`` or ``never`` for ``site`` (the widget's ``data-site``).

    An unknown or missing site gets ``CHALLENGE_MODE``, so a typo in ``data-site`` never
    weakens the protection below what the installation chose.
    """
    default = str(current_app.config["CHALLENGE_MODE"])
    if not site or not SITE_NAME.fullmatch(site):
        return default
    row = runtime().repository.get_site(site)
    return row.challenge if row is not None else default
