"""Every word the service shows a person, in German and English, from gettext catalogs.

One mechanism for the whole service: the catalogs in ``service/translations/<lang>/LC_MESSAGES/``
hold each text under a stable key (``reader.received``, ``queue.pending``, ``rule.too_fast``).
Python code asks :func:`translate` (or :func:`message` for what readers of the comment form
read); templates call ``_('key', name=value)``, which translates into the language of the
page being rendered (its ``lang`` variable). Placeholders are ``%(name)s``.

How to add or change a message:

1. Use the key in code (``translate("desk.new_key", lang)``; a key built at run time is
   listed where its codes are, wrapped in :func:`N_`) or in a template (``_('desk.new_key')``).
2. Collect the keys and add the new ones to ``de`` and ``en``::

       pybabel extract -F babel.cfg -k translate -k N_ --no-location --sort-output \
           -o messages.pot .
       pybabel update -i messages.pot -d service/translations --no-fuzzy-matching -w 100

   (``update`` drops keys that nothing uses any more; add the ``reader.*`` and ``reason.*``
   keys, which are built from codes at run time, to ``messages.pot`` by hand before it, or
   add them to the ``.po`` files directly.)
3. Write the German and the English text in ``service/translations/{de,en}/LC_MESSAGES/
   messages.po``. A key without text in either language, a key used but missing, and a key
   nothing uses are each a failing test (``tests/service/test_i18n.py``).
4. ``pybabel compile -d service/translations`` writes the ``.mo`` files the service reads.
   They are committed, so ``pip install .`` needs no build step; a test checks that they
   match the ``.po`` files.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_request_context, request
from flask.signals import before_render_template

__all__ = [
    "LANGUAGES",
    "N_",
    "TRANSLATIONS_DIR",
    "catalog",
    "current_language",
    "has_message",
    "init_i18n",
    "message",
    "pick_language",
    "translate",
]

LANGUAGES = ("de", "en")
TRANSLATIONS_DIR = Path(__file__).with_name("translations")
DOMAIN = "messages"

def N_(key: str) -> str:
    """``key`` unchanged; marks a key that is translated later, for ``pybabel extract``."""
    return key


# Form fields are named in messages to the person filling in the form by their labels.
_FIELD_KEYS = {
    "thread_id": N_("field.thread_id"),
    "author": N_("field.author"),
    "email": N_("field.email"),
    "url": N_("field.url"),
    "text": N_("field.text"),
    "challenge_token": N_("field.challenge_token"),
    "challenge_answer": N_("field.challenge_answer"),
    "thread_title": N_("field.thread_title"),
    "thread_url": N_("field.thread_url"),
}


@functools.cache
def catalog(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (German for a language the service does not speak)."""
    wanted = lang if lang in LANGUAGES else LANGUAGES[0]
    return Translations.load(str(TRANSLATIONS_DIR), [wanted], DOMAIN)


def translate(key: str, lang: str, **params: object) -> str:
    """The text of ``key`` in ``lang`` with its ``%(name)s`` placeholders filled."""
    text = catalog(lang).gettext(key)
    return text % params if params else text


def has_message(key: str, lang: str = LANGUAGES[0]) -> bool:
    """True when the catalog of ``lang`` has a text for ``key``."""
    return key in getattr(catalog(lang), "_catalog", {})


def message(code: str, lang: str, **params: object) -> str:
    """What a reader (or the widget's developer) reads for ``code``, in ``lang``.

    ``field`` is given as the API's field name and shown as the label the reader sees on the
    form.
    """
    if "field" in params:
        field_key = _FIELD_KEYS.get(str(params["field"]))
        params["field"] = translate(field_key, lang) if field_key else params["field"]
    return translate(f"reader.{code}", lang, **params)


def pick_language(explicit: object = None) -> str:
    """``de`` or ``en``: the one asked for, else the browser's preference, else the default."""
    if explicit in LANGUAGES:
        return str(explicit)
    best = request.accept_languages.best_match(LANGUAGES) if has_request_context() else None
    return best or str(current_app.config["DEFAULT_LANG"])


def current_language() -> str:
    """The language of the page being rendered (see :func:`init_i18n`), else the default."""
    lang = g.get("lang") if has_request_context() else None
    return lang if lang in LANGUAGES else str(current_app.config["DEFAULT_LANG"])


def _language_of_template(sender: Flask, template: Any, context: dict[str, Any], **_: Any) -> None:
    # Templates translate into the language of the page they render: its ``lang`` variable.
    # Kept in ``g`` rather than read from the template context, because macros imported
    # from another template do not see the caller's context.
    lang = context.get("lang")
    if lang in LANGUAGES and has_request_context():
        g.lang = lang


def init_i18n(app: Flask) -> None:
    """Give templates ``_``/``gettext``/``ngettext`` from the catalogs and the format filters."""
    from spamschutz.service import formats

    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda key: catalog(current_language()).gettext(key),
        ngettext=lambda singular, plural, n: catalog(current_language()).ngettext(
            singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.filters.update(
        local_datetime=lambda moment: formats.local_datetime(moment, current_language()),
        local_date=lambda moment: formats.local_date(moment, current_language()),
        short_date=lambda moment: formats.short_date(moment, current_language()),
        decimal=lambda number, digits=1: formats.decimal(number, current_language(), digits),
        percent=lambda share, digits=1: formats.percent(share, current_language(), digits),
    )
    before_render_template.connect(_language_of_template, app)
