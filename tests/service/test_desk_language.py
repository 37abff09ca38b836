"""Every word an editor sees on the desk is in the desk's language: signals, rules, reasons,
bands, dates and numbers; German by default, English one click away."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient

from spamschutz.service.formats import duration, local_datetime, percent
from spamschutz.service.moderation.reasons import describe_reason, reason_lines

SIGNALS = {"honeypot": False, "seconds_to_submit": 1.25, "too_fast": True,
           "challenge": "not_asked", "verdict_reasons": ["too_fast", "score_unsure"]}


def _seed(stores) -> None:
    stores.comments.add_comment(
        thread_id="demo-radwege", author_name="Leserin Anna", text="Schöner Artikel, danke.",
        lang="de", status="pending", score=0.61, band="unsure",
        reasons=[{"kind": "signal", "feature": "meta:no_url", "weight": -0.4,
                  "direction": "ham", "description": "no website given"}],
        signals=SIGNALS)


def _desk(client: FlaskClient) -> str:
    response = client.get("/moderation/?status=pending")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_german_desk_shows_signals_rules_and_band_in_german(client, login, stores):
    _seed(stores)
    login()
    html = _desk(client)
    assert "<dt>Spamschutz-Frage</dt><dd>nicht gestellt</dd>" in html
    assert ("<dt>Regeln</dt><dd>zu schnell abgeschickt, Modell unsicher: Redaktion "
            "entscheidet</dd>") in html
    assert "<dd>1,2 Sek.</dd>" in html
    assert "↓ spricht gegen Spam:" in html
    assert ">unsicher<" in html
    for raw in ("not_asked", "too_fast,", "score_unsure", "↓ ham:", "passed"):
        assert raw not in html


def test_english_desk_shows_the_same_comment_in_english(client, login, stores):
    _seed(stores)
    login()
    client.get("/moderation/language/en")
    html = _desk(client)
    assert "<dt>Spam question</dt><dd>not asked</dd>" in html
    assert "<dt>Rules</dt><dd>sent too fast, model unsure: editors decide</dd>" in html
    assert "↓ points away from spam: no website given" in html
    assert "Spamschutz-Frage" not in html


def test_a_reason_with_a_code_the_catalogs_know_is_written_in_the_desk_language():
    reason = {"code": "no_such_code_yet", "params": {}, "description": "no website given",
              "direction": "ham", "weight": -0.4}
    # Until the catalogs know the code, the stored description is shown, never the code.
    assert describe_reason(reason, "de") == "no website given"
    known = {"code": "missing", "description": "x"}
    assert describe_reason(known, "de") == "x"
    [line] = reason_lines([reason], "de")
    assert (line.arrow, line.direction_label) == ("↓", "spricht gegen Spam")


def test_dates_durations_and_numbers_follow_the_language():
    moment = datetime(2025, 12, 31, 17, 5, tzinfo=UTC)
    assert local_datetime(moment, "de") == "31.12.2025, 18:05"
    assert local_datetime(moment, "en") == "31 Dec 2025, 18:05"
    assert duration(3.2, "de") == "3 Std. 12 Min."
    assert duration(54.5, "en") == "2 days 6 hrs"
    assert percent(2 / 3, "de") == "66,7\u00a0%"
    assert percent(2 / 3, "en") == "66.7%"
