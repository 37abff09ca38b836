"""Reading and checking request input, with 4xx errors a person can act on."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask import request

from service.api.errors import APIError

__all__ = ["optional_text", "read_payload", "required_text", "validate_email", "validate_url"]

# Control characters other than tab and newlines have no place in a comment and are a classic
# way to smuggle content past filters or break logs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def read_payload() -> dict[str, Any]:
    """The request body as a dict: a JSON object or form fields."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise APIError(400, "invalid_json", "The body must be a JSON object.")
        return data
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.to_dict()
    if not request.content_length:
        return {}
    raise APIError(415, "unsupported_media_type", "Send 'application/json' or form data.")


def _text(payload: Mapping[str, Any], name: str, max_length: int) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise APIError(400, "invalid_field", f"'{name}' must be a string.", field=name)
    value = unicodedata.normalize("NFC", value).strip()
    if _CONTROL.search(value):
        raise APIError(
            400,
            "invalid_characters",
            f"'{name}' contains control characters. Remove them.",
            field=name,
        )
    if len(value) > max_length:
        raise APIError(
            400,
            "field_too_long",
            f"'{name}' is longer than {max_length} characters.",
            field=name,
            max_length=max_length,
        )
    return value


def required_text(payload: Mapping[str, Any], name: str, max_length: int) -> str:
    """A non-empty string field, stripped."""
    value = _text(payload, name, max_length)
    if not value:
        raise APIError(
            400, "missing_field", f"'{name}' is required and must not be empty.", field=name
        )
    return value


def optional_text(payload: Mapping[str, Any], name: str, max_length: int) -> str | None:
    """A string field that may be absent or empty (``None`` then)."""
    return _text(payload, name, max_length) or None


def validate_email(value: str | None) -> str | None:
    """Accept a plausible e-mail address or nothing."""
    if value and not _EMAIL.match(value):
        raise APIError(
            400, "invalid_email", "'email' is not a valid e-mail address.", field="email"
        )
    return value


def validate_url(value: str | None) -> str | None:
    """Accept an http(s) URL or nothing (no ``javascript:`` and friends)."""
    if value and not _URL.match(value):
        raise APIError(
            400, "invalid_url", "'url' must start with http:// or https://.", field="url"
        )
    return value
