"""Each request's fields and their rules, declared once.

The views read requests with these declarations and the OpenAPI document
(:mod:`spamschutz.service.api.openapi_schemas`) is derived from them, so a limit cannot say one
thing in the code and another in the documentation, and the three ways a comment comes in (the
comment form, ``/api/v1/score`` and the Akismet API) check its fields alike.

A limit is a number of characters, or the name of the setting that holds it
(``MAX_TEXT_LENGTH``), read from the app's configuration when a request is checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from spamschutz.service.api.validation import (
    optional_text,
    required_text,
    validate_email,
    validate_url,
)
from spamschutz.service.storage import ACTION_TO_STATUS, COMMENT_STATUSES, SORTS

__all__ = [
    "AKISMET_COMMENT",
    "COMMENT",
    "DECISION_ACTIONS",
    "MAX_BULK_IDS",
    "QUEUE_LIMIT",
    "QUEUE_SORTS",
    "QUEUE_STATUSES",
    "SCORE",
    "RequestRules",
    "TextRule",
]

Limit = int | str


def _limit(value: Limit, config: Mapping[str, Any]) -> int:
    return int(config[value]) if isinstance(value, str) else value


@dataclass(frozen=True)
class TextRule:
    """A string field: its length, whether it may hold line breaks, its longest word and,
    for e-mail addresses and links, their form."""

    name: str
    max_length: Limit
    required: bool = False
    multiline: bool = False
    max_word: Limit | None = None
    form: Literal["email", "url"] | None = None
    description: str | None = None

    def read(self, payload: Mapping[str, Any], lang: str, config: Mapping[str, Any]) -> str | None:
        """The checked value (stripped, NFC), ``None`` when absent or empty and not required;
        :class:`APIError` for anything refused."""
        max_length = _limit(self.max_length, config)
        max_word = None if self.max_word is None else _limit(self.max_word, config)
        if self.required:
            value: str | None = required_text(
                payload, self.name, max_length, lang, multiline=self.multiline, max_word=max_word
            )
        else:
            value = optional_text(
                payload, self.name, max_length, lang, multiline=self.multiline, max_word=max_word
            )
        if self.form == "email":
            return validate_email(value, lang, field=self.name)
        if self.form == "url":
            return validate_url(value, lang, field=self.name)
        return value

    def schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The field's JSON Schema."""
        schema: dict[str, Any] = {"type": "string", "maxLength": _limit(self.max_length, config)}
        if self.required:
            schema["minLength"] = 1
        if self.form == "email":
            schema["format"] = "email"
        notes = [self.description] if self.description else []
        if self.form == "url":
            notes.append("http(s) only")
        if self.max_word is not None:
            longest = _limit(self.max_word, config)
            notes.append(f"no run of more than {longest} characters without a space")
        if notes:
            schema["description"] = "; ".join(notes)
        return schema

    def renamed(self, name: str, **changes: Any) -> TextRule:
        """The same rule for a field called ``name`` (another API's name for it)."""
        return replace(self, name=name, **changes)


@dataclass(frozen=True)
class RequestRules:
    """The fields of one kind of request, in order."""

    fields: tuple[TextRule, ...]
    description: str | None = None

    def __getitem__(self, name: str) -> TextRule:
        for rule in self.fields:
            if rule.name == name:
                return rule
        raise KeyError(name)

    def read(
        self, payload: Mapping[str, Any], lang: str, config: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Every declared field, checked; the first field refused raises :class:`APIError`."""
        return {rule.name: rule.read(payload, lang, config) for rule in self.fields}

    def schema(
        self,
        config: Mapping[str, Any],
        extra: Mapping[str, Any] | None = None,
        extra_required: Iterable[str] = (),
    ) -> dict[str, Any]:
        """The JSON Schema of the request's body; ``extra`` properties are those read
        elsewhere (a challenge's token, a honeypot)."""
        properties = {rule.name: rule.schema(config) for rule in self.fields}
        properties.update(extra or {})
        required = [rule.name for rule in self.fields if rule.required]
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": [*required, *extra_required],
        }
        if self.description:
            schema["description"] = self.description
        return schema


_TEXT_NOTE = (
    "Unknown fields are ignored. Text fields refuse control characters, bidirectional "
    "overrides (U+202A–U+202E, U+2066–U+2069) and, in 'text', runs without a space longer "
    "than MAX_WORD_LENGTH."
)

COMMENT = RequestRules(
    (
        TextRule("thread_id", 200, required=True),
        TextRule("author", 100, required=True),
        TextRule("email", 320, form="email", description="never published"),
        TextRule("url", 2000, form="url"),
        TextRule(
            "text", "MAX_TEXT_LENGTH", required=True, multiline=True, max_word="MAX_WORD_LENGTH"
        ),
    ),
    _TEXT_NOTE,
)
"""A reader's comment (``POST /api/v1/comments``)."""

# An integration never gets a score for what the comment form would refuse.
SCORE = RequestRules(
    (
        COMMENT["text"],
        COMMENT["author"].renamed("author", required=False),
        COMMENT["email"],
        COMMENT["url"],
    ),
    _TEXT_NOTE,
)
"""A text to score (``POST /api/v1/score``)."""

# Akismet's names for a comment's fields, with the comment form's rules. Akismet requires only
# the blog and the client's address (the adapter answers their absence in Akismet's way); a
# pingback has no author, a check may have no text.
AKISMET_COMMENT = RequestRules(
    (
        TextRule("blog", 2000),
        TextRule("user_ip", 64),
        COMMENT["text"].renamed("comment_content", required=False),
        COMMENT["author"].renamed("comment_author", required=False),
        COMMENT["email"].renamed("comment_author_email"),
        COMMENT["url"].renamed("comment_author_url"),
        TextRule("permalink", 2000),
        TextRule("user_agent", 2000),
        TextRule("referrer", 2000),
        TextRule("comment_type", 200),
        TextRule("user_role", 200),
        TextRule("recheck_reason", 200),
        TextRule("blog_lang", 200),
        TextRule("is_test", 10),
        TextRule("honeypot_field_name", 100),
    )
)
"""The fields of an Akismet ``comment-check``, ``submit-spam`` or ``submit-ham``."""


# The moderation requests' rules: the queues, the decisions, the sorts and the largest bulk
# decision, taken from what storage knows, for the API, the desk and the OpenAPI document.
QUEUE_STATUSES: tuple[str, ...] = COMMENT_STATUSES
"""The queues: a comment's statuses."""
DECISION_ACTIONS: tuple[str, ...] = tuple(ACTION_TO_STATUS)
"""What a moderator can decide (``undo`` and sites' reports are no decision of this kind)."""
QUEUE_SORTS: tuple[str, ...] = tuple(
    sort for sort in SORTS if sort in ("age", "newest", "score", "uncertainty")
)
"""Orders a queue is read in, by the API and on the desk alike."""
MAX_BULK_IDS = 500
"""The most comments one bulk decision may name."""
QUEUE_LIMIT = (1, 200, 50)
"""Smallest, largest and default page size of the queue API."""
