"""Normalisation undoes spammers' disguises and keeps what matters (domains)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.text import detect_language, normalise, stem, tokenise


@pytest.mark.parametrize(
    ("disguised", "plain"),
    [
        ("ｆｒｅｅ ｍｏｎｅｙ", "free money"),  # full-width
        ("fr\u200bee mo\u200dney", "free money"),  # zero-width characters
        ("&#102;ree &amp; money", "free & money"),  # HTML entities
        ("сasinо", "casino"),  # Cyrillic look-alikes
        ("v1agr4", "viagra"),  # leetspeak
        ("f r e e money", "free money"),  # spaced letters
        ("FREE Money", "free money"),  # case
    ],
)
def test_normalise_undoes_disguises(disguised: str, plain: str) -> None:
    assert normalise(disguised) == plain


def test_urls_become_markers_that_keep_the_domain() -> None:
    assert normalise("Visit https://www.Cheap-Pills.ru/buy?x=1 now") == (
        "visit urlx dom:cheap-pills.ru now"
    )
    assert normalise("see cheap-pills dot ru") == "see urlx dom:cheap-pills.ru"


def test_email_and_phone_become_markers() -> None:
    text = normalise("Mail an info@kredit.example.com oder +49 151 23456789")
    assert text == "mail an emailx dom:kredit.example.com oder phonex"


def test_years_and_prices_stay_numbers() -> None:
    assert normalise("Im Jahr 2024 kostete es 1.000 Euro") == "im jahr 2024 kostete es 1.000 euro"


def test_tokenise_keeps_domain_markers_whole() -> None:
    assert tokenise("visit urlx dom:cheap-pills.ru now") == [
        "visit",
        "urlx",
        "dom:cheap-pills.ru",
        "now",
    ]


def test_language_is_detected_from_function_words() -> None:
    assert detect_language(tokenise("der stadtrat hat das nicht beschlossen")) == "de"
    assert detect_language(tokenise("the council has not decided this")) == "en"


def test_stemming_is_language_specific() -> None:
    assert stem("beschlossenen", "de") != "beschlossenen"
    assert stem("running", "en") == "run"
    assert stem("dom:example.com", "en") == "dom:example.com"


@given(st.text(max_size=300))
def test_normalise_is_idempotent_and_never_raises(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


# Fragments spammers combine; random mixes of them reach the corners where one rewrite
# (entities, spaced letters, leetspeak, links) exposes work for another.
_TRICKY = st.sampled_from(
    [
        *"ab01345 .:/@-_*$€xwhtpscomde",
        "\u200b",
        "а",
        "&",
        ";",
        "#",
        "http://",
        "www.",
        ".com",
        " dot ",
        "&amp;",
        "+49 ",
        "@x.de",
        "ｆ",
        "\u202e",
    ]
)


@given(st.lists(_TRICKY, max_size=30).map("".join))
def test_normalise_is_idempotent_on_mixed_evasion_tricks(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
