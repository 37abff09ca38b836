"""Requests that carry a NUL character are refused before any view reads them.

No field of this service has a use for NUL, PostgreSQL cannot store it in text (a query with
one fails, and the failure was a 500), and it is a classic way to cut a string short in one
layer and not in the next. The path, the query string and form fields are checked here, for
every endpoint; JSON fields meet the same refusal where they are read (control characters).
"""

from __future__ import annotations

from flask import Flask, abort, request

from spamschutz.service.api.errors import APIError

__all__ = ["carries_nul", "init_request_guard"]

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_MESSAGE = "The request holds a NUL character, which no field accepts. Remove it and try again."


def carries_nul() -> bool:
    """Whether the current request's path, query or form fields hold a NUL character.

    A form is looked at in its raw bytes (kept for the view, which checks their encoding):
    a NUL is ``%00`` there, or the byte itself.
    """
    if "\x00" in request.path:
        return True
    if any("\x00" in name or "\x00" in value for name, value in request.args.items(multi=True)):
        return True
    if request.mimetype not in _FORMS or (request.content_length or 0) > (
        request.max_content_length or 0
    ):
        return False  # too large: refused as such where the body is read
    body = request.get_data(cache=True)
    return b"\x00" in body or (request.mimetype == _FORMS[0] and b"%00" in body)


def init_request_guard(app: Flask) -> None:
    """Refuse (400) every request that :func:`carries_nul`; JSON for API paths."""

    @app.before_request
    def refuse_nul() -> None:
        if not carries_nul():
            return
        if request.path.startswith(("/api/", "/1.1/")):
            raise APIError(400, "invalid_characters", _MESSAGE)
        abort(400, description=_MESSAGE)
