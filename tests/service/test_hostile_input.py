"""Hostile input: every malformed request gets a 4xx JSON answer a person can act on.

Never a 500, never a stack trace; on the public comment endpoint the message is in the
commenter's language.
"""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient

from tests.factories import submission
from tests.service.helpers import answer_for, fresh_challenge, post_comment

BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                 "\u2069"]


def _refused(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == error
    assert body["message"] and "Traceback" not in body["message"]
    return body


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"thread_id": None}, "missing_field", "thread_id"),
        ({"author": ""}, "missing_field", "author"),
        ({"text": "   \n  "}, "missing_field", "text"),
        ({"text": ["a list"]}, "invalid_field", "text"),
        ({"author": {"first": "Erika"}}, "invalid_field", "author"),
        ({"thread_id": 42}, "invalid_field", "thread_id"),
        ({"email": True}, "invalid_field", "email"),
        ({"challenge_answer": 7}, "invalid_field", "challenge_answer"),
    ],
)
def test_missing_or_wrong_typed_fields_are_refused_naming_the_field(
    client: FlaskClient, app, fields, error, field
) -> None:
    body = _refused(post_comment(client, app, **fields), 400, error)
    assert body["field"] == field


def test_text_over_the_configured_limit_is_refused(make_app) -> None:
    app = make_app(MAX_TEXT_LENGTH=500)
    client = app.test_client()
    assert post_comment(client, app, text="Wort " * 100).status_code == 202
    body = _refused(post_comment(client, app, text="Wort " * 100 + "x"), 400, "field_too_long")
    assert body["max_length"] == 500


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_body_over_the_size_limit_gets_413(client: FlaskClient, content_type: str) -> None:
    body = "text=" + "x" * 70_000
    response = client.post("/api/v1/comments", data=body, content_type=content_type)
    _refused(response, 413, "body_too_large")


def test_chunked_body_over_the_size_limit_gets_413(client: FlaskClient) -> None:
    # No Content-Length: the server learns the size only while reading, and must stop there.
    response = client.post(
        "/api/v1/comments",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={
            "wsgi.input": io.BytesIO(b'{"text": "' + b"x" * 100_000 + b'"}'),
            "wsgi.input_terminated": True,
            "CONTENT_TYPE": "application/json",
        },
    )
    _refused(response, 413, "body_too_large")


@pytest.mark.parametrize("raw", ["", "{", "[1, 2", "nonsense", "{'single': 'quotes'}", "[]",
                                 '"a string"', "1" * 5000])
def test_invalid_json_gets_400(client: FlaskClient, raw: str) -> None:
    response = client.post("/api/v1/comments", data=raw, content_type="application/json")
    _refused(response, 400, "invalid_json")


def test_invalid_utf8_in_json_gets_400(client: FlaskClient) -> None:
    raw = b'{"thread_id": "t", "author": "\xff\xfe", "text": "hallo"}'
    response = client.post("/api/v1/comments", data=raw, content_type="application/json")
    _refused(response, 400, "invalid_encoding")


@pytest.mark.parametrize("raw", [b"author=%FF%FE&text=hallo", b"author=\xc3\x28&text=hallo"])
def test_invalid_utf8_in_a_form_gets_400(client: FlaskClient, raw: bytes) -> None:
    response = client.post(
        "/api/v1/comments", data=raw, content_type="application/x-www-form-urlencoded"
    )
    _refused(response, 400, "invalid_encoding")


@pytest.mark.parametrize("field", ["thread_id", "author", "text", "challenge_answer"])
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800"])
def test_nul_and_control_characters_are_refused(client: FlaskClient, app, field, char) -> None:
    body = _refused(post_comment(client, app, **{field: f"ab{char}cd"}), 400,
                    "invalid_characters")
    assert body["field"] == field


def test_line_breaks_and_tabs_are_fine_in_the_text_but_not_in_a_name(client, app) -> None:
    assert post_comment(client, app, text="Erste Zeile\r\n\tzweite Zeile").status_code == 202
    _refused(post_comment(client, app, author="Erika\nMusterfrau"), 400, "invalid_characters")


@pytest.mark.parametrize("field", ["thread_id", "author", "text"])
@pytest.mark.parametrize("char", BIDI_CONTROLS)
def test_bidi_override_characters_are_refused(client: FlaskClient, app, field, char) -> None:
    body = _refused(post_comment(client, app, **{field: f"abc{char}fdp.exe"}), 400,
                    "bidi_control")
    assert body["field"] == field


def test_right_to_left_text_without_overrides_is_accepted(client: FlaskClient, app) -> None:
    assert post_comment(client, app, author="שרה כהן", text="مقال جيد، شكرا").status_code == 202


def test_very_long_word_is_refused(client: FlaskClient, app) -> None:
    assert post_comment(client, app, text="kurz " + "a" * 200 + " kurz").status_code == 202
    body = _refused(post_comment(client, app, text="kurz " + "a" * 201), 400, "word_too_long")
    assert body["max_length"] == 200
    assert "Leerzeichen" in body["message"]


def test_deeply_nested_json_is_refused(client: FlaskClient) -> None:
    for raw in ("[" * 10_000 + "]" * 10_000, '{"a":' * 5000 + "1" + "}" * 5000):
        response = client.post("/api/v1/comments", data=raw, content_type="application/json")
        _refused(response, 400, "json_too_deep")


def test_brackets_inside_strings_do_not_count_as_nesting(client: FlaskClient, app) -> None:
    assert post_comment(client, app, text="Smileys [[[[[[[[[[[[[[[[[[[[ :-) {{{{{{{{{{{{{{{{{{"
                        ).status_code == 202


def test_unknown_json_fields_are_ignored(client: FlaskClient, app, stores) -> None:
    response = post_comment(client, app, colour="blue", nested={"deep": [1, 2, 3]})
    assert response.status_code == 202
    assert stores.comments.get_comment(response.get_json()["id"]).text


def test_unsupported_media_type_gets_415(client: FlaskClient) -> None:
    response = client.post("/api/v1/comments", data="hallo", content_type="text/plain")
    _refused(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("key", ["x" * 129, "mit leerzeichen", "umlaut-ä"])
def test_malformed_idempotency_key_is_refused(client: FlaskClient, app, key: str) -> None:
    response = post_comment(client, app, headers={"Idempotency-Key": key})
    _refused(response, 400, "invalid_idempotency_key")


@pytest.mark.parametrize(
    ("lang", "fields", "expected"),
    [
        ("de", {"text": "a" * 10_001}, "ist länger als 10000 Zeichen"),
        ("en", {"text": "a" * 10_001}, "is longer than 10000 characters"),
        ("de", {"author": ""}, "Bitte füllen Sie das Feld „Name“ aus."),
        ("en", {"author": ""}, "Please fill in the field 'name'."),
        ("de", {"text": "x\u202ey"}, "Schreibrichtung"),
        ("en", {"text": "x\u202ey"}, "writing direction"),
    ],
)
def test_messages_are_in_the_commenters_language(client, app, lang, fields, expected) -> None:
    response = post_comment(client, app, lang=lang, **fields)
    assert response.status_code == 400
    assert expected in response.get_json()["message"]


def test_body_level_errors_follow_the_browser_language(client: FlaskClient) -> None:
    response = client.post("/api/v1/comments", data="{", content_type="application/json",
                           headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.get_json()["message"].startswith("The request could not be read")
    response = client.post("/api/v1/comments", data="{", content_type="application/json",
                           headers={"Accept-Language": "de-DE"})
    assert response.get_json()["message"].startswith("Die Anfrage konnte nicht gelesen")


def test_thread_id_with_control_or_bidi_characters_is_refused(client: FlaskClient) -> None:
    _refused(client.get("/api/v1/threads/a%00b/comments"), 400, "invalid_characters")
    _refused(client.get("/api/v1/threads/a%E2%80%AEb/comments"), 400, "bidi_control")
    _refused(client.get("/api/v1/threads/" + "x" * 201 + "/comments"), 400, "field_too_long")


def test_score_refuses_nul_bidi_overlong_words_and_text_that_is_no_string(
    client: FlaskClient, make_token
) -> None:
    headers = _auth(make_token("site"))
    for text, error in (("a\x00b", "invalid_characters"), ("a\u202eb", "bidi_control"),
                        ("a" * 201, "word_too_long"), (17, "invalid_field")):
        response = client.post("/api/v1/score", json={"text": text}, headers=headers)
        _refused(response, 400, error)


@pytest.mark.parametrize("row_version", [0, -1, 2**31, 10**30, 1.5, "1", True])
def test_impossible_row_version_is_refused(client, app, make_token, row_version) -> None:
    comment_id = post_comment(client, app).get_json()["id"]
    response = client.post(f"/api/v1/moderation/comments/{comment_id}/decision",
                           json={"action": "approve", "row_version": row_version},
                           headers=_auth(make_token("moderator")))
    _refused(response, 400, "invalid_row_version")


@pytest.mark.parametrize("comment_id", ["x", "a%00b", "%E2%80%AE", "1" * 500])
def test_malformed_comment_id_is_simply_not_found(client, make_token, comment_id) -> None:
    headers = _auth(make_token("moderator"))
    response = client.post(f"/api/v1/moderation/comments/{comment_id}/decision",
                           json={"action": "approve"}, headers=headers)
    if "%00" in comment_id:  # NUL is refused before any view
        _refused(response, 400, "invalid_characters")
    else:
        _refused(response, 404, "comment_not_found")
    bulk = client.post("/api/v1/moderation/decisions",
                       json={"action": "approve", "ids": ["a\x00b", "x" * 500]}, headers=headers)
    assert [error["error"] for error in bulk.get_json()["errors"]] == ["comment_not_found"] * 2


@pytest.mark.parametrize("after", ["W1s=", "eyJzIjoiYWdlIiwiayI6WzEsMV19", "x" * 600,
                                   "eyJzIjoiYWdlIiwiayI6WyIyMDI1LTAxLTAxIiwxMDAwMDAwMDAwMDAwMDAwMDAwMDAwXX0"])
def test_forged_page_cursor_is_refused(client: FlaskClient, make_token, after: str) -> None:
    response = client.get(f"/api/v1/moderation/comments?after={after}",
                          headers=_auth(make_token("moderator")))
    _refused(response, 400, "invalid_cursor")


def test_login_with_hostile_name_gets_the_usual_answer(client: FlaskClient, moderator) -> None:
    LOGIN_FAILED = "Name oder Passwort ist falsch."
    from tests.conftest import csrf_token_from

    for name in ("red\x00aktion", "x" * 5000, "red\u202eaktion"):
        token = csrf_token_from(client.get("/moderation/login").get_data(as_text=True))
        response = client.post("/moderation/login",
                               data={"name": name, "password": "egal", "csrf_token": token})
        if "\x00" in name:  # refused before any view, as everywhere
            assert response.status_code == 400
            continue
        assert response.status_code == 200
        assert LOGIN_FAILED in response.get_data(as_text=True)


HOSTILE_BODIES = [
    b"\x00\x01\x02",
    b"\xef\xbb\xbf{}",
    b'{"text": "\\ud800"}',
    b'{"text": NaN, "author": Infinity}',
    b'{"thread_id": "' + b"t" * 60_000 + b'"}',
    json.dumps({"text": "x", "author": "y", "thread_id": "z", "challenge_token": ["a"],
                "challenge_answer": {"b": 1}, "lang": ["de"], "phone": {"c": 2}}).encode(),
]


@pytest.mark.parametrize("raw", HOSTILE_BODIES)
@pytest.mark.parametrize("path", ["/api/v1/comments", "/api/v1/score",
                                  "/api/v1/moderation/decisions",
                                  "/api/v1/moderation/comments/abc/decision"])
def test_hostile_bodies_never_get_a_server_error(client, make_token, path, raw) -> None:
    response = client.post(path, data=raw, content_type="application/json",
                           headers=_auth(make_token("admin")))
    assert response.status_code < 500, response.get_data(as_text=True)
    body = response.get_json()
    assert response.status_code < 300 or (body["error"] and body["message"])


def test_a_right_answer_in_a_hostile_challenge_token_field_is_refused(client, app) -> None:
    challenge = fresh_challenge(client)
    body = submission(challenge, answer_for(app, challenge["question"]),
                      challenge_token=challenge["token"] + "\x00")
    _refused(client.post("/api/v1/comments", json=body), 400, "invalid_characters")


def test_nul_bytes_in_identifiers_never_reach_the_database(backend_app) -> None:
    """PostgreSQL refuses NUL in text; every identifier is checked before it gets there."""
    from spamschutz.service.auth import hash_token, new_token
    from spamschutz.service.extensions import runtime

    with backend_app.app_context():
        token = new_token()
        runtime().accounts.add_api_token("t", hash_token(token), "moderator")
    client = backend_app.test_client()
    headers = _auth(token)
    answers = [
        client.get("/api/v1/threads/a%00b/comments"),
        client.post("/api/v1/moderation/comments/a%00b/decision", json={"action": "spam"},
                    headers=headers),
        client.post("/api/v1/moderation/decisions", json={"action": "spam", "ids": ["\x00"]},
                    headers=headers),
        client.get("/api/v1/moderation/comments?after=AA%00", headers=headers),
        post_comment(client, backend_app, headers={"Idempotency-Key": "a\x00b"}),
        post_comment(client, backend_app, thread_id="a\x00b"),
    ]
    for response in answers:
        assert 200 <= response.status_code < 500, response.get_data(as_text=True)
    page = client.get("/moderation/login").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = client.post("/moderation/login", data={
        "name": "a\x00b", "password": "x", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 400


def test_nul_bytes_anywhere_are_refused_with_400(backend_app) -> None:
    """NUL in the desk's filters and in Akismet fields gave 500 on PostgreSQL."""
    from spamschutz.service.auth import hash_password, hash_token, new_token
    from spamschutz.service.extensions import runtime
    from tests.conftest import MODERATOR_PASSWORD, csrf_token_from

    site_key = new_token()
    with backend_app.app_context():
        stores = runtime()
        stores.accounts.add_api_token("wordpress", hash_token(site_key), "site")
        stores.accounts.add_moderator("redaktion", hash_password(MODERATOR_PASSWORD))
    client = backend_app.test_client()
    token = csrf_token_from(client.get("/moderation/login").get_data(as_text=True))
    client.post("/moderation/login", data={
        "name": "redaktion", "password": MODERATOR_PASSWORD, "csrf_token": token})
    for query in ("q=%00", "thread=%00", "reason=a%00b", "status=pending&q=x%00y"):
        assert client.get(f"/moderation/?{query}").status_code == 400, query
    akismet = {
        "api_key": site_key, "blog": "https://zeitung.example", "user_ip": "192.0.2.1",
        "comment_author": "Anna", "comment_content": "Hallo",
    }
    for field in ("comment_content", "comment_author", "permalink", "user_agent", "blog"):
        for endpoint in ("comment-check", "submit-ham"):
            answer = client.post(f"/1.1/{endpoint}", data={**akismet, field: "a\x00b"})
            assert answer.status_code == 400, (endpoint, field)
            assert answer.get_json()["error"] == "invalid_characters"
    assert client.get("/api/v1/challenge?lang=de%00").status_code == 400
    with backend_app.app_context():
        assert runtime().comments.count_by_status()["pending"] == 0


def test_database_errors_never_show_statement_parameters(backend_app) -> None:
    """The error log printed the SQL parameters, a comment's author and text among them."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import IntegrityError

    from spamschutz.service.extensions import runtime
    from spamschutz.service.storage.schema import comments

    with backend_app.app_context():
        engine = runtime().engine
    secret = "Erika-Mustermann-private-text"
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(comments.insert().values(
            public_id="00000000-0000-4000-8000-000000000000", thread_id="t",
            author_name=secret, text=secret, lang="de", status="not-a-status",
            created_at=datetime.now(UTC),
        ))
    assert "parameters hidden" in str(caught.value)
    # What the log keeps of it: PostgreSQL's DETAIL line quotes the row, and is masked too.
    import logging

    from spamschutz.service.observability import JsonFormatter

    record = logging.LogRecord("service", logging.ERROR, __file__, 1, "unhandled error", None,
                               (IntegrityError, caught.value, caught.value.__traceback__))
    assert secret not in JsonFormatter().format(record)
