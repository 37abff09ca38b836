"""``GET /demo``: a fictional local-news article with the Spamschutz comment section under it."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, render_template, request, url_for

from spamschutz.service.api.challenge import challenge_json
from spamschutz.service.demo import bp
from spamschutz.service.extensions import runtime

__all__ = ["DEMO_THREAD", "DEMO_TITLE", "article", "reader_return_url"]

DEMO_THREAD = "demo-radwege"
DEMO_TITLE = "Stadtrat beschließt neue Radwege: Hauptstraße bekommt geschützte Fahrspur"


@bp.get("/demo")
def article():
    """The article, its approved comments and a plain form with a question issued right here."""
    lang = "de"
    response = make_response(render_template(
        "demo/article.html",
        lang=lang,
        thread_id=DEMO_THREAD,
        challenge=challenge_json(lang),
        comments=runtime().comments.approved_comments(DEMO_THREAD),
        title=DEMO_TITLE,
        values={"thread_id": DEMO_THREAD, "thread_title": DEMO_TITLE,
                "thread_url": url_for("demo.article", _external=True)},
    ))
    # The page carries a single-use question token: a cached copy would hand out a used one.
    response.headers["Cache-Control"] = "no-store"
    return response


def reader_return_url() -> str | None:
    """Where a reader who posted the plain form came from, for a "back" link, or ``None``.

    Only http(s) pages count, and never the API itself (after a second try the referrer is
    the API's own answer page).
    """
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.path.startswith("/api/"):
        return None
    return referrer


@bp.app_context_processor
def _reader_helpers() -> dict[str, object]:
    # Registered app-wide: the reader pages are rendered by the API's comment view too.
    return {"reader_return_url": reader_return_url}
