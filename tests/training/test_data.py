"""Readers accept the documented formats and name the file and line of a mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spamschutz.training import DataError, read_comments
from spamschutz.training.starter import starter_comments
from tests.conftest import DATASETS_MISSING, YOUTUBE


def test_csv_with_text_and_label_in_any_spelling(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("text,label,author\nBuy pills,spam,bot\nNice article,0,anna\nOk,True,x\n")
    rows = read_comments(path)
    assert [(r.text, r.label, r.author) for r in rows] == [
        ("Buy pills", 1, "bot"),
        ("Nice article", 0, "anna"),
        ("Ok", 1, "x"),
    ]


def test_tsv_and_jsonl(tmp_path: Path) -> None:
    tsv = tmp_path / "labels.tsv"
    tsv.write_text("text\tlabel\tlang\nHallo Welt\tham\tde\n")
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_text(json.dumps({"text": "Casino bonus", "label": 1, "url": "http://x.ru"}) + "\n")
    assert read_comments(tsv)[0].lang == "de"
    assert read_comments(jsonl)[0].url == "http://x.ru"


def test_sms_spam_collection_format(tmp_path: Path) -> None:
    path = tmp_path / "SMSSpamCollection"
    path.write_text("ham\tGo until jurong point\nspam\tFree entry in 2 a wkly comp\n")
    assert [r.label for r in read_comments(path)] == [0, 1]


def test_malformed_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "ok", "label": "ham"}\n{"text": "x", "label": "maybe"}\n')
    with pytest.raises(DataError, match=r"broken.jsonl, line 2: label 'maybe'"):
        read_comments(path)


def test_csv_without_required_columns_is_named(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("comment,verdict\nhello,ham\n")
    with pytest.raises(DataError, match=r"wrong.csv, line 2: needs the columns 'text' and 'label'"):
        read_comments(path)


def test_semicolon_csv_as_german_excel_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "moderation.csv"
    path.write_text(
        'text;label;author\n"Billige Pillen, jetzt!";spam;bot\nGuter Artikel;ham;anna\n',
        encoding="utf-8-sig")
    rows = read_comments(path)
    assert [(r.text, r.label, r.author) for r in rows] == [
        ("Billige Pillen, jetzt!", 1, "bot"), ("Guter Artikel", 0, "anna")]


def test_an_unclosed_quote_is_named_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('text,label\nfine,ham\n"Er sagte Hallo und ging,ham\nnext,spam\nlast,ham\n')
    with pytest.raises(DataError, match=r"quoted.csv, line 3: a quote \(\"\) opened in this row "
                                        r"is never closed, so lines 3-5 were read as one field"):
        read_comments(path)


@pytest.mark.skipif(not YOUTUBE.exists(), reason=DATASETS_MISSING)
def test_youtube_spam_collection_is_read_as_it_is() -> None:
    rows = read_comments(YOUTUBE / "Youtube01-Psy.csv")
    assert len(rows) == 350
    assert sum(r.label for r in rows) == 175
    assert all(r.group == "Youtube01-Psy" for r in rows)


def test_starter_corpus_is_bilingual_balanced_and_large() -> None:
    rows = starter_comments()
    assert len(rows) >= 600
    spam_share = sum(r.label for r in rows) / len(rows)
    assert 0.4 <= spam_share <= 0.6
    assert {r.lang for r in rows} == {"de", "en"}
