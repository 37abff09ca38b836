"""The Akismet-compatible API, driven by the real ``akismet`` client from PyPI."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import akismet
import httpx
import pytest

from spamschutz.service.api.akismet import THANKS

BLOG = "https://zeitung.example"
SPAM_TEXT = "Cheap viagra casino bonus!!! Click http://spam.example now to WIN $$$ free money"
HAM_TEXT = "Danke für den Artikel, die Grafik zur Stadtratswahl hat mir sehr geholfen."


class AsyncWSGITransport(httpx.AsyncBaseTransport):
    """Lets the async client talk to the Flask app in-process (httpx ships only a sync one)."""

    def __init__(self, app) -> None:
        self._sync = httpx.WSGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = self._sync.handle_request(
            httpx.Request(request.method, request.url, headers=request.headers, content=body)
        )
        return httpx.Response(
            response.status_code, headers=response.headers, content=response.read()
        )


@pytest.fixture
def site_key(make_token) -> str:
    return make_token("site")


@pytest.fixture
def sync_client(app, site_key):
    http = httpx.Client(transport=httpx.WSGITransport(app=app))
    with akismet.SyncClient.validated_client(
        config=akismet.Config(key=site_key, url=BLOG), http_client=http
    ) as client:
        yield client


def _akismet_rows(stores):
    rows, _ = stores.comments.list_comments(None, limit=100)
    return [row for row in rows if row.source == "akismet"]


def test_sync_client_verifies_key_checks_and_submits(sync_client, stores):
    assert sync_client.verify_key()
    assert sync_client.comment_check(
        user_ip="203.0.113.7", comment_content=HAM_TEXT, comment_author="Anna",
        permalink=f"{BLOG}/artikel-1",
    ) == akismet.CheckResponse.HAM
    verdict = sync_client.comment_check(
        user_ip="203.0.113.8", comment_content=SPAM_TEXT, comment_author="viagra-test-123",
        permalink=f"{BLOG}/artikel-1",
    )
    assert verdict in (akismet.CheckResponse.SPAM, akismet.CheckResponse.DISCARD)
    assert sync_client.submit_spam(
        user_ip="203.0.113.7", comment_content=HAM_TEXT, comment_author="Anna",
        permalink=f"{BLOG}/artikel-1",
    )
    assert sync_client.submit_ham(
        user_ip="203.0.113.8", comment_content=SPAM_TEXT, comment_author="viagra-test-123",
        permalink=f"{BLOG}/artikel-1",
    )
    rows = {row.author_name: row for row in _akismet_rows(stores)}
    assert set(rows) == {"Anna", "viagra-test-123"}  # submissions found the stored checks
    # Reports are labels: the checks keep the status the check gave them.
    assert rows["Anna"].status == "pending"
    assert rows["viagra-test-123"].status == "spam"
    assert rows["Anna"].model_version and rows["Anna"].score is not None
    labels = {(label["author"], label["label"]) for label in stores.decisions.training_labels()}
    assert labels == {("Anna", "spam"), ("viagra-test-123", "ham")}


def test_async_client_verifies_key_checks_and_submits(app, site_key, stores):
    async def run():
        http = httpx.AsyncClient(transport=AsyncWSGITransport(app))
        config = akismet.Config(key=site_key, url=BLOG)
        async with akismet.AsyncClient(config=config, http_client=http) as client:
            assert await client.verify_key()
            ham = await client.comment_check(
                user_ip="198.51.100.1", comment_content=HAM_TEXT, comment_author="Ben",
                user_role="administrator",
            )
            spam = await client.comment_check(
                user_ip="198.51.100.2", comment_content=SPAM_TEXT,
                comment_author="viagra-test-123",
            )
            assert await client.submit_spam(
                user_ip="198.51.100.3", comment_content="never checked", comment_author="Cleo"
            )
            assert await client.submit_ham(
                user_ip="198.51.100.1", comment_content=HAM_TEXT, comment_author="Ben"
            )
            return ham, spam

    # A thread of its own: asyncio.run refuses to start where another library (Playwright's
    # sync API, in the browser tests) keeps an event loop running in this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        ham, spam = pool.submit(asyncio.run, run()).result()
    assert ham == akismet.CheckResponse.HAM
    assert spam == akismet.CheckResponse.DISCARD
    labels = {(label["author"], label["label"]) for label in stores.decisions.training_labels()}
    assert labels == {("Ben", "ham"), ("Cleo", "spam")}


def test_invalid_key_is_rejected_by_the_client(app):
    http = httpx.Client(transport=httpx.WSGITransport(app=app))
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(
            config=akismet.Config(key="ssz_not-a-token", url=BLOG), http_client=http
        )


def test_moderator_token_is_not_a_site_key(client, make_token):
    response = client.post("/1.1/verify-key", data={"key": make_token("moderator"), "blog": BLOG})
    assert response.get_data(as_text=True) == "invalid"


def test_comment_check_with_a_bad_key_answers_invalid_with_debug_help(client):
    response = client.post(
        "/1.1/comment-check", data={"api_key": "nope", "blog": BLOG, "user_ip": "192.0.2.1"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "invalid"
    assert response.headers["X-akismet-debug-help"]


def test_comment_check_without_blog_explains_in_debug_header(client, site_key):
    response = client.post("/1.1/comment-check", data={"api_key": site_key, "user_ip": "192.0.2.1"})
    assert response.get_data(as_text=True) == "Missing required field: blog."
    assert response.headers["X-akismet-debug-help"] == "Missing required field: blog."


def test_filled_honeypot_is_blatant_spam(client, site_key):
    response = client.post("/1.1/comment-check", data={
        "api_key": site_key, "blog": BLOG, "user_ip": "192.0.2.1", "comment_content": HAM_TEXT,
        "comment_author": "Dora", "honeypot_field_name": "hidden_phone", "hidden_phone": "123",
    })
    assert response.get_data(as_text=True) == "true"
    assert response.headers["X-akismet-pro-tip"] == "discard"


def test_is_test_check_is_kept_but_never_training_data(client, site_key, stores):
    fields = {
        "api_key": site_key, "blog": BLOG, "user_ip": "192.0.2.1", "comment_content": HAM_TEXT,
        "comment_author": "Emil", "is_test": "1",
    }
    check = client.post("/1.1/comment-check", data=fields)
    stored = stores.comments.get_comment(check.headers["X-spamschutz-comment-id"])
    assert stored.is_test and stored.source == "akismet"
    assert stored.score is not None and stored.model_version and stored.status == "pending"
    assert client.post("/1.1/submit-spam", data=fields).get_data(as_text=True) == THANKS
    assert stores.decisions.training_labels() == []


def test_akismet_checks_reach_the_moderation_queue(client, site_key, make_token):
    client.post("/1.1/comment-check", data={
        "api_key": site_key, "blog": BLOG, "user_ip": "192.0.2.1", "comment_content": HAM_TEXT,
        "comment_author": "Frida",
    })
    queue = client.get(
        "/api/v1/moderation/comments?status=pending",
        headers={"Authorization": f"Bearer {make_token('moderator')}"},
    ).get_json()
    assert [comment["author"] for comment in queue["comments"]] == ["Frida"]


def test_test_traffic_stays_out_of_the_editors_queues(client, site_key, make_token, login):
    # A plugin's "test connection" button sends Akismet's spam test value with is_test=1.
    check = client.post("/1.1/comment-check", data={
        "api_key": site_key, "blog": BLOG, "user_ip": "192.0.2.1", "is_test": "1",
        "comment_content": HAM_TEXT, "comment_author": "viagra-test-123",
    })
    assert check.get_data(as_text=True) == "true"  # answered as Akismet documents
    moderator = {"Authorization": f"Bearer {make_token('moderator')}"}
    for status in ("pending", "spam"):
        queue = client.get(f"/api/v1/moderation/comments?status={status}",
                           headers=moderator).get_json()
        assert queue["comments"] == []
    login()
    desk = client.get("/moderation/?status=spam").get_data(as_text=True)
    assert "viagra-test-123" not in desk
    assert '<span class="tabs__count" data-count="spam">0</span>' in desk


def _site_client(app):
    from spamschutz.service.auth import hash_token, new_token
    from spamschutz.service.extensions import runtime

    key = new_token()
    with app.app_context():
        runtime().accounts.add_api_token("wordpress", hash_token(key), "site")
    return app.test_client(), key


def test_submit_ham_never_publishes(backend_app):
    """A site key's submit-ham is a label: neither a discarded check nor a never-checked
    comment reaches readers, on either database."""
    from spamschutz.service.extensions import runtime

    client, key = _site_client(backend_app)
    permalink = f"{BLOG}/artikel-7"
    spam = {
        "api_key": key, "blog": BLOG, "user_ip": "192.0.2.9", "permalink": permalink,
        "comment_author": "viagra-test-123", "comment_content": SPAM_TEXT,
    }
    check = client.post("/1.1/comment-check", data=spam)
    assert check.headers["X-akismet-pro-tip"] == "discard"
    never_checked = {
        "api_key": key, "blog": BLOG, "user_ip": "192.0.2.10", "permalink": permalink,
        "comment_author": "Mallory", "comment_content": "Published without any moderator",
    }
    for fields in (spam, never_checked):
        answer = client.post("/1.1/submit-ham", data=fields)
        assert answer.get_data(as_text=True) == THANKS

    thread = client.get(f"/api/v1/threads/{permalink}/comments").get_json()
    assert thread["comments"] == []
    with backend_app.app_context():
        stores = runtime()
        checked = stores.comments.get_comment(check.headers["X-spamschutz-comment-id"])
        assert checked.status == "spam" and checked.decided_by is None
        history = stores.decisions.decisions_for(checked.public_id)
        assert [(d.action, d.from_status, d.to_status, d.moderator) for d in history] == [
            ("report_ham", "spam", "spam", "akismet:wordpress")
        ]
        statuses = {row.author_name: row.status for row in _akismet_rows(stores)}
        assert statuses == {"viagra-test-123": "spam", "Mallory": "pending"}
        labels = {(label["author"], label["label"]) for label in stores.decisions.training_labels()}
        assert labels == {("viagra-test-123", "ham"), ("Mallory", "ham")}


def test_submit_spam_labels_but_never_takes_a_comment_down(backend_app):
    from spamschutz.service.extensions import runtime

    client, key = _site_client(backend_app)
    fields = {
        "api_key": key, "blog": BLOG, "user_ip": "192.0.2.11", "permalink": f"{BLOG}/a-8",
        "comment_author": "Anna", "comment_content": HAM_TEXT,
    }
    check = client.post("/1.1/comment-check", data=fields)
    public_id = check.headers["X-spamschutz-comment-id"]
    with backend_app.app_context():
        runtime().decisions.decide(public_id, "approve", "redaktion")
    assert client.post("/1.1/submit-spam", data=fields).get_data(as_text=True) == THANKS
    thread = client.get(f"/api/v1/threads/{BLOG}/a-8/comments").get_json()
    assert [comment["id"] for comment in thread["comments"]] == [public_id]
    with backend_app.app_context():
        stores = runtime()
        assert stores.comments.get_comment(public_id).status == "approved"
        assert [label["label"] for label in stores.decisions.training_labels()] == ["spam"]


# A comment field with a value the comment form refuses: (form field, Akismet field, value,
# error code). The first two are the reported ReDoS payload, a 64,900-character run, and a
# shorter one within the text's length.
_REFUSED_BY_THE_FORM = [
    ("text", "comment_content", "-" * 64_900 + " x@", "field_too_long"),
    ("text", "comment_content", "-" * 9_000 + " x@", "word_too_long"),
    ("text", "comment_content", "Hallo\x07 Welt", "invalid_characters"),
    ("text", "comment_content", "Sieh hier \u202eknil", "bidi_control"),
    ("author", "comment_author", "<img src=x onerror=alert(1)>" * 4, "field_too_long"),
    ("author", "comment_author", "Eve\u202e", "bidi_control"),
    ("url", "comment_author_url", "javascript:alert(1)", "invalid_url"),
    ("email", "comment_author_email", "not an address", "invalid_email"),
]


@pytest.mark.parametrize(("form_field", "akismet_field", "value", "code"), _REFUSED_BY_THE_FORM)
def test_akismet_fields_are_refused_like_the_comment_forms(
    app, client, site_key, stores, form_field, akismet_field, value, code
):
    from tests.service.helpers import post_comment

    form_answer = post_comment(client, app, **{form_field: value})
    assert form_answer.status_code == 400
    assert form_answer.get_json()["error"] == code
    fields = {
        "api_key": site_key, "blog": BLOG, "user_ip": "192.0.2.20", "comment_author": "Anna",
        "comment_content": HAM_TEXT, akismet_field: value,
    }
    for endpoint in ("comment-check", "submit-ham", "submit-spam"):
        answer = client.post(f"/1.1/{endpoint}", data=fields)
        assert answer.status_code == 400, endpoint
        body = answer.get_json()
        assert (body["error"], body["field"]) == (code, akismet_field)
        assert answer.headers["X-akismet-debug-help"] == body["message"]
    assert _akismet_rows(stores) == []


def test_akismet_checks_take_the_comment_intake_and_survive_an_outage(
    app_config, app, stores, runner
):
    """The Akismet endpoint stored checks with its own add_comment: while the database was
    away a check got 503 and was lost. Now it takes the path of every comment: kept in the
    spool, answered, and stored once the database is back."""
    from spamschutz.service import create_app
    from spamschutz.service.auth import hash_token, new_token
    from tests.service.outage import database_file_replaced_by_a_directory

    key = new_token()
    stores.accounts.add_api_token("wordpress", hash_token(key), "site")
    live = create_app({**app_config, "SPOOL_REPLAY_SECONDS": 0})
    client = live.test_client()
    fields = {
        "api_key": key, "blog": BLOG, "user_ip": "192.0.2.30", "permalink": f"{BLOG}/a-9",
        "comment_author": "Greta", "comment_content": HAM_TEXT,
    }
    # Before the outage: the token is cached and the model loaded, as on a running instance.
    warm_up = client.post("/1.1/comment-check", data={**fields, "comment_author": "Ida"})
    assert warm_up.status_code == 200
    with database_file_replaced_by_a_directory(live):
        check = client.post("/1.1/comment-check", data=fields)
        never_checked = client.post("/1.1/submit-ham", data={**fields, "comment_author": "Hugo"})
    assert check.status_code == 200 and check.get_data(as_text=True) in ("true", "false")
    public_id = check.headers["X-spamschutz-comment-id"]
    assert never_checked.status_code == 503  # the label waits for the database: sent again
    assert runner("spool", "drain").exit_code == 0
    stored = stores.comments.get_comment(public_id)
    assert (stored.source, stored.author_name, stored.permalink) == ("akismet", "Greta",
                                                                     f"{BLOG}/a-9")
    assert stored.score is not None and stored.model_version
    with live.app_context():
        from spamschutz.service.extensions import runtime

        runtime().engine.dispose()
