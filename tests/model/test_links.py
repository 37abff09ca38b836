"""A link counts by where it leads: the kind of its domain, and the site's own domains."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spamschutz.model.features import prepare_comment
from spamschutz.model.links import link_kind, use_site_domains
from spamschutz.service import create_app


@pytest.mark.parametrize(
    ("domain", "kind"),
    [
        ("bit.ly", "shortener"),
        ("wa.me", "messenger"),
        ("t.me", "messenger"),
        ("youtu.be", "video"),
        ("de.wikipedia.org", "reference"),
        ("www.wien.gv.at", "reference"),
        ("www.destatis.de", "reference"),
        ("cheap-pills-online.xyz", "throwaway"),
        ("www.tischlerei-huber.at", "other"),
        ("bundesliga-wetten.de", "other"),  # "bund.de" only as a whole label, not inside one
    ],
)
def test_a_domain_has_the_kind_its_lists_give_it(domain: str, kind: str) -> None:
    assert link_kind(domain) == kind


def test_each_link_in_a_comment_becomes_its_kinds_token_beside_its_domain() -> None:
    comment = prepare_comment("Quelle: https://de.wikipedia.org/wiki/Wien und bit.ly/x7")
    assert comment.tokens[1:3] == ("urlref", "dom:de.wikipedia.org")
    assert "urlshort" in comment.tokens
    assert comment.link_kinds == ("reference", "shortener")


@pytest.fixture
def forget_site_domains() -> Iterator[None]:
    yield
    use_site_domains(())


def test_the_sites_own_domains_from_its_configuration_count_as_references(
    tmp_path, forget_site_domains
) -> None:
    assert link_kind("www.zeitung-am-see.at") == "other"
    create_app({"TESTING": True, "DATA_DIR": str(tmp_path),
                "SITE_DOMAINS": "zeitung-am-see.at, www.zeitung-am-see.at"})
    assert link_kind("www.zeitung-am-see.at") == "reference"
    assert link_kind("sport.zeitung-am-see.at") == "reference"
    assert "urlref" in prepare_comment("Siehe zeitung-am-see.at/lokal/123").tokens


def test_html_tags_are_markup_a_link_keeps_its_address_and_a_break_is_a_line_break() -> None:
    tagged = prepare_comment('Super<br />Schaut <a href="https://bit.ly/x7">hier</a>')
    assert "urlshort" in tagged.tokens and "br" not in tagged.tokens
    assert tagged.raw.startswith("Super\nSchaut")
