"""Variants of comments for behavioural checks: plausible, varied, and the same on every run."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from spamschutz.training.data import LabelledComment
from spamschutz.training.variants import (
    LINE_ENDINGS,
    personal_website,
    reference_link,
    with_line_endings,
    with_reference_link,
    with_website,
)

KEYS = [f"Kommentar Nummer {i}: die Stadt sollte mehr Radwege bauen." for i in range(600)]
HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
REFERENCE_DOMAINS = (
    "wikipedia.org", "tagesschau.de", "bund.de", "destatis.de", "derstandard.at", "orf.at",
    "wien.gv.at", "statistik.at", "bka.gv.at", "admin.ch", "srf.ch", "bbc.co.uk",
    "theguardian.com", "rollingstone.com", "reuters.com",
)  # fmt: skip


def _comment(text: str, label: int = 0) -> LabelledComment:
    return LabelledComment(text=text, label=label, author="Leserin", lang="de", group="thread")


def test_a_personal_website_is_the_same_for_the_same_comment_and_seed() -> None:
    assert [personal_website(k) for k in KEYS] == [personal_website(k) for k in KEYS]
    assert [personal_website(k, seed=1) for k in KEYS] != [personal_website(k) for k in KEYS]


def test_personal_websites_are_valid_addresses_with_ascii_host_names() -> None:
    for key in KEYS:
        parts = urlsplit(personal_website(key))
        assert parts.scheme in ("http", "https")
        assert HOST.match(parts.hostname or ""), personal_website(key)
        assert not parts.query and not parts.fragment


def test_personal_websites_vary_in_shape_and_country_rather_than_follow_one_pattern() -> None:
    sites = [personal_website(key) for key in KEYS]
    hosts = [urlsplit(site).hostname or "" for site in sites]
    suffixes = Counter(host.rsplit(".", 1)[-1] for host in hosts)
    assert {"de", "at", "ch", "com", "org", "net", "io"} <= set(suffixes)
    assert len(set(sites)) > 0.9 * len(sites)
    # No shape dominates: the registered domain's last two labels, e.g. "github.io".
    shapes = Counter(".".join(host.split(".")[-2:]) for host in hosts)
    assert shapes.most_common(1)[0][1] < 0.1 * len(sites)
    assert any("univie.ac.at" in site or "uni-" in site for site in sites)
    assert any("github.io" in site for site in sites)


def test_umlauts_in_names_are_transliterated_in_domains() -> None:
    sites = " ".join(personal_website(key) for key in KEYS)
    assert "mueller" in sites or "koehler" in sites or "schroeder" in sites
    assert not re.search(r"[^\x00-\x7f]", sites)


def test_with_website_changes_only_the_website_field() -> None:
    comment = _comment("Gute Sache mit den Radwegen.")
    varied = with_website(comment)
    assert varied.url == personal_website(comment.text)
    assert varied == LabelledComment(**{**comment.as_dict(), "url": varied.url})


def test_line_endings_are_converted_without_doubling_or_losing_breaks() -> None:
    text = "Erstens.\r\n\r\nZweitens.\rDrittens.\nViertens."
    assert with_line_endings(text, "\n") == "Erstens.\n\nZweitens.\nDrittens.\nViertens."
    assert with_line_endings(text, "\r") == "Erstens.\r\rZweitens.\rDrittens.\rViertens."
    assert with_line_endings(text, "\r\n").count("\r\n") == 4
    assert set(LINE_ENDINGS.values()) == {"\n", "\r\n", "\r"}


@given(st.text(alphabet=st.sampled_from(["a", " ", "\r", "\n", "ä"]), max_size=40))
def test_converting_line_endings_keeps_the_number_of_lines(text: str) -> None:
    lines = len(with_line_endings(text, "\n").split("\n"))
    for ending in LINE_ENDINGS.values():
        converted = with_line_endings(text, ending)
        assert len(converted.split(ending)) == lines
        assert with_line_endings(converted, "\n") == with_line_endings(text, "\n")


def test_a_reference_link_keeps_the_comment_and_cites_one_reference_site() -> None:
    for key in KEYS[:200]:
        comment = _comment(key)
        cited = with_reference_link(comment)
        assert comment.text in cited.text
        url = reference_link(comment.text)
        assert url in cited.text and cited.text.count("https://") == 1
        host = urlsplit(url).hostname or ""
        assert any(host == d or host.endswith("." + d) for d in REFERENCE_DOMAINS), host
        assert cited.label == comment.label and cited.url == comment.url


def test_reference_links_vary_in_site_and_in_how_they_are_cited() -> None:
    cited = {key: with_reference_link(_comment(key)).text for key in KEYS}
    hosts = {urlsplit(reference_link(key)).hostname for key in KEYS}
    assert len(hosts) >= 10
    # What comes before the link, with the comment's text blanked: "TEXT Siehe ", "TEXT (Quelle: "…
    openings = {text.replace(key, "TEXT").split("https://")[0] for key, text in cited.items()}
    assert len(openings) >= 5
    assert "" in openings  # the link first, the text after it


def test_a_citation_follows_the_comments_own_line_endings() -> None:
    for key in KEYS[:100]:
        unix = with_reference_link(_comment(f"{key}\n\nZweiter Absatz.")).text
        assert "\r" not in unix
        windows = with_reference_link(_comment(f"{key}\r\n\r\nZweiter Absatz.")).text
        assert windows.replace("\r\n", "").count("\n") == 0
        # Without line breaks of its own, a comment gets what browsers send: \r\n.
        assert "\n" not in with_reference_link(_comment(key)).text.replace("\r\n", "")


def test_english_comments_cite_in_english() -> None:
    cited = [with_reference_link(_comment(key), lang="en").text for key in KEYS]
    assert not any("Quelle" in text or "Siehe" in text for text in cited)
    assert any("Source: " in text for text in cited)
    german = [with_reference_link(_comment(key)).text for key in KEYS]
    assert any("Quelle: " in text for text in german)


def test_variants_are_the_same_on_every_call() -> None:
    comment = _comment("Der Artikel beantwortet sich ja schon selbst.\r\n\r\nErstens: …")
    assert with_reference_link(comment, seed=3) == with_reference_link(comment, seed=3)
    assert with_website(comment, seed=3) == with_website(comment, seed=3)
