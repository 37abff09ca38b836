"""Reading and checking request input, with 4xx errors a person can act on.

Every check raises :class:`APIError` with a stable ``error`` code, the offending ``field`` and a
message from :mod:`spamschutz.service.i18n` in the caller's language (the public comment endpoint
passes the commenter's; integrations get English). Unknown fields are ignored, so a newer
widget can talk to an older server.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from spamschutz.service.api.errors import APIError
from spamschutz.service.i18n import message

__all__ = [
    "MAX_JSON_DEPTH",
    "check_line",
    "is_public_id",
    "optional_text",
    "parse_json_object",
    "read_payload",
    "required_text",
    "validate_email",
    "validate_idempotency_key",
    "validate_url",
]

# Our bodies are flat objects with at most one list inside; anything much deeper is an attack
# on the parser (Python's json recurses), not a comment.
MAX_JSON_DEPTH = 16

# Control characters have no place in a comment and are a classic way to smuggle content past
# filters or break logs; lone surrogates cannot even be stored as UTF-8. Tab and newlines are
# fine in a comment's text, but not in a single-line field such as a name or a thread id.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) make text
# display in another order than it is stored ("Trojan Source"): a name could read as someone
# else's, a link as another domain. Ordinary right-to-left text needs none of them.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# The look-ahead settles that the rest is one run without "@" or space before the domain is
# searched for its last dot: without it, "a@" followed by dots backtracked quadratically.
_EMAIL = re.compile(r"^[^@\s]{1,64}@(?=[^@\s]+$)[^@\s]+\.[^@\s]{2,}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# A string, or an unterminated one up to the end: every quote that opens a string ends the
# search there, so a body of escaped quotes is read once rather than once per quote.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")
_PUBLIC_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


def _refuse(status: int, code: str, lang: str, **params: Any) -> APIError:
    extra = {key: value for key, value in params.items() if key in ("field", "max_length")}
    return APIError(status, code, message(code, lang, **params), **extra)


def read_payload(lang: str = "en") -> dict[str, Any]:
    """The request body as a dict: a JSON object or form fields, checked for encoding and depth.

    An oversized body raises 413 from Werkzeug (``MAX_CONTENT_LENGTH``) before it is parsed.
    """
    if request.is_json:
        return parse_json_object(_body(), lang)
    if request.mimetype == "application/x-www-form-urlencoded":
        _check_form_encoding(_body(), lang)
        return request.form.to_dict()
    if request.mimetype == "multipart/form-data":
        _body()  # parsed from the cached bytes below
        fields = request.form.to_dict()
        # Werkzeug decodes multipart fields leniently; a replacement character is what is left
        # of bytes that were not UTF-8.
        if any("\ufffd" in value for value in fields.values()):
            raise _refuse(400, "invalid_encoding", lang)
        return fields
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return {}
    raise _refuse(415, "unsupported_media_type", lang)


def _body() -> bytes:
    """The raw body, refusing one that is larger than ``MAX_CONTENT_LENGTH``.

    A body without ``Content-Length`` (chunked) is cut off by Werkzeug at the limit without an
    error; reaching the limit is taken as "too large", so nothing truncated is ever parsed.
    """
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        raise RequestEntityTooLarge()
    return raw


def parse_json_object(raw: bytes, lang: str = "en") -> dict[str, Any]:
    """A JSON body that must hold an object, checked for encoding and depth."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise _refuse(400, "invalid_encoding", lang) from error
    # Nesting never exceeds the number of opening brackets: most bodies skip the count.
    may_nest_too_deep = text.count("[") + text.count("{") > MAX_JSON_DEPTH
    if may_nest_too_deep and _json_depth(text) > MAX_JSON_DEPTH:
        raise _refuse(400, "json_too_deep", lang, max_depth=MAX_JSON_DEPTH)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _refuse(400, "invalid_json", lang) from error
    if not isinstance(data, dict):
        raise _refuse(400, "invalid_json", lang)
    return data


def _json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text``, counted without parsing it."""
    depth = deepest = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _check_form_encoding(raw: bytes, lang: str) -> None:
    # Werkzeug replaces undecodable bytes silently; decoding strictly here turns a wrongly
    # encoded form into a clear error instead of a comment full of "�".
    try:
        for pair in raw.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refuse(400, "invalid_encoding", lang) from error


def check_line(value: str, name: str, max_length: int, lang: str = "en") -> str:
    """``value`` if it is fit for a single-line field (name, thread id), else an APIError."""
    return _checked(value, name, max_length, lang, multiline=False)


def _checked(value: str, name: str, max_length: int, lang: str, multiline: bool) -> str:
    control = _CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE
    if control.search(value):
        raise _refuse(400, "invalid_characters", lang, field=name)
    if _BIDI_CONTROLS.search(value):
        raise _refuse(400, "bidi_control", lang, field=name)
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > max_length:
        raise _refuse(400, "field_too_long", lang, field=name, max_length=max_length)
    return value


def _text(
    payload: Mapping[str, Any],
    name: str,
    max_length: int,
    lang: str,
    multiline: bool,
    max_word: int | None,
) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _refuse(400, "invalid_field", lang, field=name)
    value = _checked(value, name, max_length, lang, multiline)
    if max_word is not None and max(map(len, value.split()), default=0) > max_word:
        raise _refuse(400, "word_too_long", lang, field=name, max_length=max_word)
    return value


def required_text(
    payload: Mapping[str, Any],
    name: str,
    max_length: int,
    lang: str = "en",
    *,
    multiline: bool = False,
    max_word: int | None = None,
) -> str:
    """A non-empty string field, stripped; ``multiline`` allows tabs and line breaks.

    ``max_word`` bounds the longest run without whitespace: a "word" of thousands of
    characters breaks the page layout of every reader and is a favourite of flooders.
    """
    value = _text(payload, name, max_length, lang, multiline, max_word)
    if not value:
        raise _refuse(400, "missing_field", lang, field=name)
    return value


def optional_text(
    payload: Mapping[str, Any],
    name: str,
    max_length: int,
    lang: str = "en",
    *,
    multiline: bool = False,
    max_word: int | None = None,
) -> str | None:
    """A string field that may be absent or empty (``None`` then)."""
    return _text(payload, name, max_length, lang, multiline, max_word) or None


def validate_email(value: str | None, lang: str = "en", field: str = "email") -> str | None:
    """Accept a plausible e-mail address or nothing."""
    if value and not _EMAIL.match(value):
        raise _refuse(400, "invalid_email", lang, field=field)
    return value


def validate_url(value: str | None, lang: str = "en", field: str = "url") -> str | None:
    """Accept an http(s) URL or nothing (no ``javascript:`` and friends)."""
    if value and not _URL.match(value):
        raise _refuse(400, "invalid_url", lang, field=field)
    return value


def validate_idempotency_key(value: object, lang: str = "en") -> str | None:
    """Accept 1–128 visible ASCII characters (a UUID fits) or nothing."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.match(value):
        raise _refuse(400, "invalid_idempotency_key", lang, field="idempotency_key")
    return value


def is_public_id(value: object) -> bool:
    """True when ``value`` has the shape of a comment's public id (a lower-case UUID).

    Checked before any query: an id that cannot exist is "not found" without a database
    round trip, and bytes PostgreSQL refuses (NUL) never reach it.
    """
    return isinstance(value, str) and bool(_PUBLIC_ID.match(value))
