"""``POST /api/v1/score`` answered in front of Flask's request machinery when all is in order.

Integrations call ``/score`` for every comment they see, so its cost per request is the
service's capacity. Flask's request context, routing, response object and hooks cost about as
much CPU as scoring the comment. A well-formed request with a valid token is therefore answered
here, at the WSGI layer, with the functions the Flask view and hooks use: the same token check,
validation, scoring and answer (:func:`spamschutz.service.api.score.score_answer`), security
headers, request id, access log line, metrics and background pokes.

Everything else goes to Flask untouched, the body put back: no token or a bad one, a body the
view would refuse, no model loaded, another method, content type or path, an unexpected error.
Each refusal thus keeps one implementation; a test checks that both paths answer alike.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from spamschutz.service.api.access import allows
from spamschutz.service.api.score import SCORE_ROLES, score_answer
from spamschutz.service.api.validation import parse_json_object
from spamschutz.service.auth import principal_for_header
from spamschutz.service.observability.logs import REQUEST_ID_HEADER, log_access, request_id_for
from spamschutz.service.observability.metrics import SERVING_EXTENSION, observe_request
from spamschutz.service.security import SECURITY_HEADERS
from spamschutz.service.spool_replay import SPOOL_REPLAYER_EXTENSION
from spamschutz.service.webhooks import WEBHOOK_WORKER_EXTENSION

__all__ = ["ScoreHotPath"]

PATH = "/api/v1/score"
_HEADERS = (*SECURITY_HEADERS, ("Cache-Control", "no-store"))

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ScoreHotPath:
    """WSGI middleware: answers ``POST /api/v1/score`` itself when it can, else calls Flask."""

    def __init__(self, app: Flask, flask_wsgi: WsgiApp) -> None:
        self.app = app
        self.flask_wsgi = flask_wsgi
        self.runtime = app.extensions["spamschutz"]
        self.serving = app.extensions[SERVING_EXTENSION]
        # The pokes Flask's hooks give on every request, so background work starts alike.
        self.pokes = [
            job.poke
            for job in (
                app.extensions.get(SPOOL_REPLAYER_EXTENSION),
                app.extensions.get(WEBHOOK_WORKER_EXTENSION),
            )
            if job is not None
        ]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") != PATH
            or environ.get("REQUEST_METHOD") != "POST"
            or self.app.debug
        ):
            return self.flask_wsgi(environ, start_response)
        started = time.perf_counter()
        body = self._json_body(environ)
        # A short body (the client hung up) is put back for Flask to refuse.
        whole = body is not None and len(body) == int(environ["CONTENT_LENGTH"])
        answer = self._answer(environ, body) if whole else None
        if answer is None:
            if body is not None:
                environ["wsgi.input"] = io.BytesIO(body)
            return self.flask_wsgi(environ, start_response)
        for poke in self.pokes:
            poke()
        request_id = request_id_for(
            environ.get("HTTP_X_REQUEST_ID", ""), int(self.app.config.get("TRUSTED_PROXIES") or 0)
        )
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(answer))),
                (REQUEST_ID_HEADER, request_id),
                *_HEADERS,
            ],
        )
        seconds = time.perf_counter() - started
        observe_request("POST", PATH, 200, seconds)
        self.serving.update(self.runtime.registry.version)
        log_access(request_id, "POST", PATH, 200, seconds)
        return [answer]

    def _json_body(self, environ: dict[str, Any]) -> bytes | None:
        """The whole body of a JSON request within the size limit, else ``None`` (unread)."""
        mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        length = environ.get("CONTENT_LENGTH", "")
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        if mimetype != "application/json" or not length.isdigit():
            return None
        if limit is not None and int(length) > int(limit):
            return None
        return environ["wsgi.input"].read(int(length))

    def _answer(self, environ: dict[str, Any], body: bytes) -> bytes | None:
        """The JSON answer, or ``None`` for anything Flask should answer instead."""
        try:
            principal = principal_for_header(
                environ.get("HTTP_AUTHORIZATION", ""), self.runtime.accounts
            )
            if principal is None or not allows(principal, SCORE_ROLES):
                return None
            answer = score_answer(parse_json_object(body), self.app.config, self.runtime.registry)
        except Exception:
            # A refusal (APIError) or a failure: Flask answers the request again, refuses or
            # logs it, as for any other request.
            return None
        return f"{self.app.json.dumps(answer, separators=(',', ':'))}\n".encode()
