"""The desk's filters, sorts, undo, bulk actions, history, dashboard, languages; CORS; 429 pages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from spamschutz.service.moderation.highlight import Segment, highlight_segments
from tests.conftest import csrf_token_from


def _token(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/moderation/").get_data(as_text=True))


def test_words_that_pushed_the_score_are_marked_and_the_rest_stays_text():
    reasons = [{"kind": "word", "feature": "viagra", "direction": "spam", "weight": 1.2},
               {"kind": "word", "feature": "dom:cheap-pills.ru", "direction": "spam"},
               {"kind": "signal", "feature": "capitals", "direction": "spam"}]
    segments = highlight_segments("<b>Viagra</b> at cheap-pills.ru now", reasons)
    assert segments == [Segment("<b>"), Segment("Viagra", "spam"), Segment("</b> at "),
                        Segment("cheap-pills.ru", "spam"), Segment(" now")]


def test_filters_search_and_uncertainty_sort(client: FlaskClient, login, stores):
    stores.comments.add_comment(thread_id="a", author_name="Sicher", text="klar Spam", lang="de",
                                score=0.99, band="spam",
                                reasons=[{"kind": "word", "feature": "klar",
                                          "description": "“klar”"}])
    stores.comments.add_comment(thread_id="b", author_name="Zweifler", text="vielleicht", lang="en",
                                score=0.6, band="unsure")
    stores.comments.add_comment(thread_id="a", author_name="Harmlos", text="danke 100%", lang="de",
                                score=0.01, band="ham")
    login()
    by_uncertainty = client.get("/moderation/?sort=uncertainty").get_data(as_text=True)
    assert by_uncertainty.index("Zweifler") < by_uncertainty.index("Harmlos")
    assert by_uncertainty.index("Zweifler") < by_uncertainty.index("Sicher<")

    def authors(query: str) -> set[str]:
        html = client.get(f"/moderation/?{query}").get_data(as_text=True)
        return {name for name in ("Sicher<", "Zweifler", "Harmlos") if name in html}

    assert authors("thread=a") == {"Sicher<", "Harmlos"}
    assert authors("lang=en") == {"Zweifler"}
    assert authors("min=50&max=90") == {"Zweifler"}
    assert authors("reason=klar") == {"Sicher<"}
    assert authors("q=100%25") == {"Harmlos"}
    assert client.get("/moderation/?min=abc").status_code == 400


def test_undo_restores_the_previous_status_and_is_recorded(client: FlaskClient, login,
                                                           stores):
    row = stores.comments.add_comment(thread_id="t", author_name="Anna", text="Hallo", lang="de")
    login()
    csrf = {"X-CSRFToken": _token(client)}
    base = f"/api/v1/moderation/comments/{row.public_id}"
    decided = client.post(f"{base}/decision", json={"action": "approve"}, headers=csrf)
    assert decided.get_json()["status"] == "approved"
    undone = client.post(f"{base}/undo", headers=csrf)
    assert undone.status_code == 200 and undone.get_json()["status"] == "pending"
    assert [d.action for d in stores.decisions.decisions_for(row.public_id)] == ["approve", "undo"]
    again = client.post(f"{base}/undo", headers=csrf)
    assert again.status_code == 409
    assert again.get_json()["error"] == "cannot_undo" and again.get_json()["message"]
    # Without JavaScript, the same undo is a form post that comes back to the queue.
    plain = client.post(f"/moderation/comments/{row.public_id}/undo",
                        data={"csrf_token": csrf["X-CSRFToken"]})
    assert plain.status_code == 303
    html = client.get("/moderation/").get_data(as_text=True)
    assert "Rückgängig durch redaktion" in html and "Freigeben durch redaktion" in html


def test_the_desk_script_decides_through_the_api_with_the_session_and_its_csrf_token(
    client: FlaskClient, login, stores
):
    row = stores.comments.add_comment(thread_id="t", author_name="Anna", text="Hallo", lang="de")
    login()
    page = client.get("/moderation/").get_data(as_text=True)
    # What the script reads from the page: where the API is, and the text of each decision.
    assert 'data-api="/api/v1/moderation/comments"' in page
    assert 'data-done="Beitrag von Anna freigegeben."' in page
    url = f"/api/v1/moderation/comments/{row.public_id}/decision"
    refused = client.post(url, json={"action": "spam"})
    assert refused.status_code == 400
    assert set(refused.get_json()) == {"error", "message"}
    assert stores.comments.get_comment(row.public_id).status == "pending"
    decided = client.post(url, json={"action": "spam", "row_version": row.row_version},
                          headers={"X-CSRFToken": csrf_token_from(page)})
    assert decided.status_code == 200 and decided.get_json()["status"] == "spam"
    stale = client.post(url, json={"action": "approve", "row_version": row.row_version},
                        headers={"X-CSRFToken": csrf_token_from(page)})
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"


def test_the_desks_form_posts_answer_with_the_queue_never_json(
    client: FlaskClient, login, stores
):
    """One JSON door for decisions: the desk's form routes always come back to the queue."""
    row = stores.comments.add_comment(thread_id="t", author_name="Anna", text="Hallo", lang="de")
    login()
    response = client.post(f"/moderation/comments/{row.public_id}/decision",
                           data={"action": "approve", "csrf_token": _token(client)},
                           headers={"Accept": "application/json"})
    assert response.status_code == 303 and response.mimetype != "application/json"


def test_the_desk_offers_the_apis_sorts(client: FlaskClient, login, make_token):
    from spamschutz.service.api.rules import QUEUE_SORTS
    from spamschutz.service.moderation.cards import SORTS

    assert tuple(SORTS) == QUEUE_SORTS
    login()
    headers = {"Authorization": f"Bearer {make_token('moderator')}"}
    for sort in QUEUE_SORTS:
        assert client.get(f"/moderation/?sort={sort}").status_code == 200
        assert client.get(f"/api/v1/moderation/comments?sort={sort}",
                          headers=headers).status_code == 200


def test_undo_without_csrf_token_is_rejected(client: FlaskClient, login, stores):
    row = stores.comments.add_comment(thread_id="t", author_name="Anna", text="Hallo", lang="de")
    stores.decisions.decide(row.public_id, "spam", "redaktion")
    login()
    assert client.post(f"/moderation/comments/{row.public_id}/undo").status_code == 400
    assert stores.comments.get_comment(row.public_id).status == "spam"


def test_bulk_action_without_javascript(client: FlaskClient, login, stores):
    ids = [stores.comments.add_comment(thread_id="t", author_name=f"L{n}", text="Hallo",
                                       lang="de").public_id for n in range(3)]
    login()
    response = client.post("/moderation/decisions", data={
        "action": "reject", "ids": ids[:2], "csrf_token": _token(client)},
        follow_redirects=True)
    assert "2 Beiträge abgelehnt." in response.get_data(as_text=True)
    statuses = [stores.comments.get_comment(i).status for i in ids]
    assert statuses == ["rejected", "rejected", "pending"]


def test_commenter_history_shows_earlier_comments_with_outcomes(client: FlaskClient, login,
                                                                stores):
    earlier = stores.comments.add_comment(thread_id="alt", author_name="Max", text="Früher",
                                          lang="de", email_hash="h1")
    stores.decisions.decide(earlier.public_id, "spam", "redaktion")
    stores.comments.add_comment(thread_id="neu", author_name="Max", text="Jetzt", lang="de",
                                email_hash="h1")
    login()
    html = client.get("/moderation/").get_data(as_text=True)
    assert "Frühere Beiträge mit gleicher E-Mail-Adresse (1)" in html
    assert 'status--spam">Spam-Ordner' in html


def test_a_shared_address_is_a_weak_hint_never_someone_elses_history(client: FlaskClient,
                                                                      login, stores):
    # Behind one network address (a household, an office, a proxy): a spammer and a reader.
    stores.comments.add_comment(thread_id="alt", author_name="Spammer", lang="de",
                                text="Billige Pillen hier kaufen", ip_hash="shared",
                                email_hash="s1")
    stores.comments.add_comment(thread_id="neu", author_name="Leserin", lang="de",
                                text="Gute Entscheidung des Stadtrats.", ip_hash="shared",
                                email_hash="r1")
    login()
    html = client.get("/moderation/?q=Leserin").get_data(as_text=True)
    assert "Frühere Beiträge mit gleicher E-Mail-Adresse (0)" in html
    assert "Billige Pillen" not in html
    assert ("Schwacher Hinweis: 1 weiterer Beitrag kam vom gleichen Internetanschluss. Das kann "
            "dieselbe Person sein, aber ebenso ein Haushalt, ein Büro oder ein Proxy.") in html


def test_dashboard_counts_overruled_decisions(client: FlaskClient, login, stores):
    fp = stores.comments.add_comment(thread_id="t", author_name="A", text="x", lang="de",
                                     status="spam", score=0.95, band="spam")
    miss = stores.comments.add_comment(thread_id="t", author_name="B", text="y", lang="de",
                                       score=0.1, band="ham")
    stores.decisions.decide(fp.public_id, "ham", "redaktion")
    stores.decisions.decide(miss.public_id, "spam", "redaktion")
    login()
    html = client.get("/moderation/dashboard").get_data(as_text=True)
    assert "data-false-positives>1<" in html and "data-misses>1<" in html
    assert "data-model-version>" in html
    assert "Entscheidungen in 14 Tagen: 2" in html


def test_desk_speaks_english_when_chosen(client: FlaskClient, login):
    login()
    response = client.get("/moderation/language/en?next=/moderation/")
    assert response.status_code == 303
    html = client.get("/moderation/").get_data(as_text=True)
    assert "To review" in html and "Signed in as" in html and '<html lang="en">' in html
    client.get("/moderation/language/de")
    assert "Zu prüfen" in client.get("/moderation/").get_data(as_text=True)


@pytest.mark.parametrize("origin, allowed", [
    ("https://zeitung.example", True), ("https://evil.example", False)])
def test_cors_only_for_configured_sites_on_public_endpoints(make_app, origin: str,
                                                            allowed: bool):
    app: Flask = make_app(ALLOWED_ORIGINS="https://zeitung.example")
    client = app.test_client()
    preflight = client.options("/api/v1/comments", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key"})
    got = preflight.headers.get("Access-Control-Allow-Origin")
    assert got == (origin if allowed else None)
    if allowed:
        assert "idempotency-key" in preflight.headers["Access-Control-Allow-Headers"].lower()
        assert "Access-Control-Allow-Credentials" not in preflight.headers
    private = client.get("/api/v1/moderation/comments", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in private.headers


def test_config_refuses_an_origin_with_a_path(make_app):
    from spamschutz.service.config import ConfigError

    with pytest.raises(ConfigError, match="ALLOWED_ORIGINS"):
        make_app(ALLOWED_ORIGINS="https://zeitung.example/kommentare")


def test_rate_limited_plain_form_and_demo_get_a_page(make_app):
    app: Flask = make_app(RATE_LIMIT_COMMENTS="1 per minute", RATE_LIMIT_CHALLENGES="1 per minute")
    client = app.test_client()
    assert client.get("/demo").status_code == 200
    demo = client.get("/demo")
    assert demo.status_code == 429 and demo.mimetype == "text/html"
    assert "Bitte warten Sie" in demo.get_data(as_text=True)
    form = {"thread_id": "t", "author": "A", "text": "Hallo"}
    client.post("/api/v1/comments", data=form, headers={"Accept": "text/html"})
    limited = client.post("/api/v1/comments", data=form, headers={"Accept": "text/html"})
    assert limited.status_code == 429 and limited.mimetype == "text/html"
    assert limited.headers["Retry-After"]
