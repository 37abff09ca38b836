"""Whether a reader's browser posted the plain HTML form and wants a page back, not JSON."""

from __future__ import annotations

from flask import request

__all__ = ["wants_html_page"]


def wants_html_page() -> bool:
    """True for a form post from a browser without JavaScript, False for the widget and API
    clients.

    Decided on the quality values, not on Werkzeug's ``best``, which ranks an entry with
    parameters first: Chromium's ``application/signed-exchange;v=b3;q=0.7`` would outrank its
    own ``text/html``. JSON wins a tie, so ``*/*`` (curl, most HTTP libraries) gets JSON.
    """
    if request.is_json:
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
