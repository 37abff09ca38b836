"""The HTML report: self-contained, complete, and safe with hostile comment text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from spamschutz.model import SpamModel
from spamschutz.training import LabelledComment, train_model
from spamschutz.training.evaluate import HeldOut, band_confusion, threshold_table
from spamschutz.training.protocols import cross_validate
from spamschutz.training.report import render_report, strongest_features, write_report
from tests.factories import labelled_comments

HOSTILE = '<script>alert("pwned")</script> Guter Artikel, <img src=x onerror=alert(1)>'


class _Tags(HTMLParser):
    """Every tag of a page with its attributes, as a browser would see them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def model() -> SpamModel:
    return train_model(labelled_comments(), folds=3)


@pytest.fixture(scope="module")
def held_out(model: SpamModel) -> HeldOut:
    comments = [
        LabelledComment(HOSTILE, 0, group="<b>artikel</b>"),
        LabelledComment("Danke für den Bericht über den Stadtrat.", 0),
        LabelledComment("The council should publish the budget.", 0),
        LabelledComment("Cheap viagra at http://cheap-pills.example.ru now!!!", 1),
        LabelledComment("Online casino free spins www.best-casino-bonus.xyz", 1),
        LabelledComment("Nice song, check my channel", 1),
        # As the YouTube Spam Collection stores text: HTML-escaped.
        LabelledComment("I&#39;m new here, &quot;subscribe&quot; to my channel", 1),
    ]
    return HeldOut.from_model(model, comments)


def test_report_embeds_the_curves_and_histograms_as_images(held_out: HeldOut) -> None:
    page = render_report(held_out, title="Test")
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    assert images == ["ROC and precision-recall curves", "score histograms", "reliability diagram"]


def test_report_has_the_threshold_table_with_the_serving_thresholds_marked(
    held_out: HeldOut,
) -> None:
    page = render_report(held_out, title="Test")
    for cut in ("0.300", "0.500", "0.700", "0.800", "0.900", "0.950", "0.990"):
        assert f"<td>{cut}</td>" in page
    spam_cut = held_out.thresholds[0].spam
    assert f"<td>{spam_cut:.3f} ← spam folder</td>" in page
    assert '<tr class="serving"><td>0.500 ← unsure</td>' in page
    for heading in ("Serving bands", "Calibration", "Brier score", "Strongest features"):
        assert heading in page
    assert "MCC at 0.5" in page and "precision among scores ≥ 0.9" in page


def test_hostile_comment_text_is_escaped_and_nothing_is_loaded_from_outside(
    held_out: HeldOut,
) -> None:
    page = render_report(held_out, title='<script>alert("title")</script>')
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;artikel&lt;/b&gt;" in page
    tags = _Tags(page).tags
    assert {tag for tag, _ in tags} <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "h3",
        "p",
        "table",
        "tr",
        "th",
        "td",
        "div",
        "img",
    }
    for _, attrs in tags:
        assert not any(name.startswith("on") for name in attrs)
        for name in ("src", "href"):
            assert attrs.get(name) is None or attrs[name].startswith("data:image/png;base64,")
    assert not re.search(r"@import|url\(|https?://[^\s<]*\.(?:css|js|png|svg|woff)", page)
    assert "default-src 'none'" in page  # the CSP forbids scripts should escaping ever fail


def test_worst_mistakes_come_with_their_explanations(held_out: HeldOut) -> None:
    page = render_report(held_out, title="Test")
    assert "Highest-scored ham" in page and "Lowest-scored spam" in page
    mistakes = page[page.index("Worst mistakes") :]
    assert "check my channel" in mistakes
    assert '<div class="reasons">' in mistakes and "“" in mistakes  # e.g. “viagra” (+1.23)


def test_threshold_table_and_bands_add_up(held_out: HeldOut) -> None:
    rows = threshold_table(held_out)
    assert [row["threshold"] for row in rows] == sorted(row["threshold"] for row in rows)
    assert {row["serving"] for row in rows} == {"", "unsure", "spam folder"}
    confusion = band_confusion(held_out)
    assert sum(confusion["ham"].values()) == 3 and sum(confusion["spam"].values()) == 4


def test_strongest_features_cover_every_block_with_signed_weights(model: SpamModel) -> None:
    features = strongest_features([model], top=5)
    assert set(features) == {"words", "chars", "meta"}
    assert all(weight > 0 for _, weight in features["words"]["spam"])
    assert all(weight < 0 for _, weight in features["words"]["ham"])
    assert len(features["chars"]["spam"]) == 5


def test_cross_validation_report_shows_folds_and_is_written_as_utf8(tmp_path) -> None:
    result = cross_validate(labelled_comments(), folds=3, keep_models=True)
    path = write_report(tmp_path / "cv.html", result["held_out"], title="CV", details=result)
    page = path.read_text(encoding="utf-8")
    assert "Protocol: stratified 3-fold" in page
    assert "<h2>Folds</h2>" in page and page.count("<tr><td>") >= 3
    assert "The fold models were not kept" not in page


class _Text(HTMLParser):
    """The text of a page as a browser shows it."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.feed(page)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def test_comment_text_stored_html_escaped_reads_as_written(held_out: HeldOut) -> None:
    shown = "".join(_Text(render_report(held_out, title="Test")).parts)
    assert "I'm new here, \"subscribe\" to my channel" in shown
    assert "&#39;" not in shown and "&quot;" not in shown
