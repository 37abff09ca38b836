"""Which challenge mode applies to a submission: the site's own setting, else the default.

A site's relaxed mode (``unsure``, ``never``) is a privilege of that site, so it applies only
to a request shown to come from it: one whose browser sent the site's registered origin, or one
that carries a site key (an API token with the ``site`` role, for the site's own server).
Naming the site is not enough, since any client can name any site; such a request gets the
stricter of the site's mode and the installation's default.
"""

from __future__ import annotations

import re

from flask import current_app, request

from spamschutz.service.auth import token_principal
from spamschutz.service.cors import allowed_origins
from spamschutz.service.extensions import runtime
from spamschutz.service.storage import SiteRow

__all__ = ["SITE_NAME", "challenge_mode", "stricter_mode"]

# Site names are short identifiers chosen by the installation; anything else is not a site.
SITE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
# From the most relaxed to the strictest.
_STRICTNESS = ("never", "unsure", "always")
_SITE_KEY_ROLES = ("site", "admin")


def stricter_mode(first: str, second: str) -> str:
    """The stricter of two challenge modes."""
    return max(first, second, key=_STRICTNESS.index)


def challenge_mode(site: str | None) -> str:
    """``always``, ``unsure`` or ``never`` for the current request naming ``site`` (the
    widget's ``data-site``).

    An unknown or missing site gets ``CHALLENGE_MODE``, so a typo in ``data-site`` never
    weakens the protection below what the installation chose; a known site's own mode
    applies as the module's docstring says.
    """
    default = str(current_app.config["CHALLENGE_MODE"])
    if not site or not SITE_NAME.fullmatch(site):
        return default
    row = runtime().sites.get_site(site)
    if row is None:
        return default
    if _comes_from(row):
        return row.challenge
    return stricter_mode(row.challenge, default)


def _comes_from(row: SiteRow) -> bool:
    """Whether the current request is shown to come from the site ``row``."""
    origin = request.headers.get("Origin")
    if row.origin and origin and _origin(origin) == _origin(row.origin):
        return True
    if not request.headers.get("Authorization"):
        return False
    principal = token_principal()
    return principal is not None and principal.role in _SITE_KEY_ROLES


def _origin(value: str) -> str | None:
    try:
        origins = allowed_origins(value)
    except ValueError:
        return None
    return origins[0] if len(origins) == 1 else None
