"""One translation mechanism: the gettext catalogs are complete in German and English, every
key the code and the templates use is in them, and the compiled files match their sources."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from spamschutz.service.i18n import LANGUAGES, TRANSLATIONS_DIR, message, translate

REPO_ROOT = Path(__file__).resolve().parents[2]
# Keys the code builds at run time from a code it received: API error codes (reader.*) and
# the model's reason codes (reason.*). Every other key must be found by extraction.
DYNAMIC_PREFIXES = ("reader.", "reason.")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(lang: str):
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def _texts(lang: str) -> dict[str, tuple[str, ...]]:
    """Each key with its text (singular and plural forms for a plural message)."""
    texts = {}
    for entry in _catalog(lang):
        if entry.id:
            key = entry.id if isinstance(entry.id, str) else entry.id[0]
            texts[key] = (entry.string,) if isinstance(entry.string, str) else entry.string
    return texts


def _used_keys() -> set[str]:
    """What ``pybabel extract -F babel.cfg -k translate -k N_`` finds, as the docs say."""
    method_map = [("service/**.py", "python"), ("service/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": None}
    return {
        found[2] if isinstance(found[2], str) else found[2][0]
        for found in extract_from_dir(str(REPO_ROOT), method_map, keywords=keywords)
        if found[0].startswith("service")
    }


def test_german_and_english_have_the_same_keys_and_no_empty_text():
    german, english = _texts("de"), _texts("en")
    assert sorted(set(german) ^ set(english)) == []
    for lang, texts in (("de", german), ("en", english)):
        empty = sorted(key for key, forms in texts.items()
                       if not all(form.strip() for form in forms))
        assert empty == [], f"{lang}: keys without text: {empty}"
        fuzzy = sorted(entry.id for entry in _catalog(lang) if entry.id and entry.fuzzy)
        assert fuzzy == [], f"{lang}: fuzzy (unchecked) texts: {fuzzy}"


def test_both_languages_fill_the_same_placeholders():
    german, english = _texts("de"), _texts("en")
    def placeholders(forms: tuple[str, ...]) -> set[str]:
        return {name for form in forms for name in PLACEHOLDER.findall(form)}

    differing = {key: (german[key], english[key]) for key in german
                 if placeholders(german[key]) != placeholders(english[key])}
    assert differing == {}


def test_every_key_the_code_and_templates_use_is_in_the_catalogs():
    used = _used_keys()
    assert {"queue.pending", "rule.too_fast", "challenge.not_asked", "form.submit"} <= used
    missing = sorted(used - set(_texts("de")))
    assert missing == [], f"keys used but not in the catalogs: {missing}"


def test_the_catalogs_hold_no_key_that_nothing_uses():
    unused = sorted(key for key in set(_texts("de")) - _used_keys()
                    if not key.startswith(DYNAMIC_PREFIXES))
    assert unused == [], f"keys in the catalogs that nothing uses: {unused}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogs_match_their_sources(lang: str):
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(lang))
    compiled.seek(0)
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.mo").open("rb") as committed:
        # The texts, not the bytes: the header names the Babel release that compiled it.
        assert _messages(read_mo(committed)) == _messages(read_mo(compiled)), (
            f"{lang}: messages.mo is stale; run pybabel compile -d service/translations")


def _messages(catalog) -> dict[object, object]:
    def plain(value: object) -> object:  # a plural message's forms: a tuple or a list
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(entry.id): plain(entry.string) for entry in catalog if entry.id}


def test_a_reader_message_names_the_field_as_the_form_labels_it():
    assert message("missing_field", "de", field="author") == "Bitte füllen Sie das Feld „Name“ aus."
    assert message("missing_field", "en", field="text") == "Please fill in the field 'comment'."


def test_signal_values_and_rules_read_as_words_in_both_languages():
    assert translate("challenge.not_asked", "de") == "nicht gestellt"
    assert translate("rule.score_unsure", "en") == "model unsure: editors decide"
