"""JSON errors for the API: ``{"error": <code>, "message": <sentence a person can act on>}``."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, Response, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from spamschutz.service.i18n import has_message, message, pick_language
from spamschutz.service.storage import StorageUnavailable

__all__ = ["APIError", "register_error_handlers"]

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    400: ("bad_request", "The request could not be read. Send JSON or form data."),
    401: ("unauthorized", "Send a valid API token as 'Authorization: Bearer <token>'."),
    403: ("forbidden", "Your token or account may not do this."),
    404: ("not_found", "There is nothing at this address. Check the URL."),
    405: ("method_not_allowed", "This address does not accept that HTTP method."),
    413: ("body_too_large", "The request body is too large. Shorten the comment."),
    415: ("unsupported_media_type", "Send 'application/json' or form data."),
    429: ("rate_limited", "Too many requests. Wait a moment and try again."),
}


# Endpoints that readers' browsers call: their errors are worded in the reader's language.
_PUBLIC_ENDPOINTS = ("api.get_challenge", "api.submit_comment", "api.thread_comments")
_CSRF_MESSAGE = (
    "The CSRF token is missing or invalid. Reload the moderation page and try again, "
    "or use an API token instead of the session."
)


class APIError(Exception):
    """An error answered as JSON with ``status``; ``extra`` fields are merged into the body.

    ``headers`` go on the response (``Retry-After`` for a client that has to wait).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> tuple[Response, int]:
        """The JSON response for this error."""
        response = jsonify({"error": self.code, "message": self.message, **self.extra})
        response.headers.update(self.headers)
        return response, self.status


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/readyz"))


def register_error_handlers(app: Flask) -> None:
    """JSON answers for API paths; no stack trace or internal detail ever reaches a client."""

    @app.errorhandler(APIError)
    def api_error(error: APIError):
        return error.response()

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error: StorageUnavailable):
        log.error("database unavailable: %s", error)
        response, status = APIError(
            503, "service_unavailable", "The service is briefly unavailable. Try again shortly."
        ).response()
        response.headers["Retry-After"] = "30"
        return response, status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if not _wants_json():
            return error
        code, text = _HTTP_MESSAGES.get(error.code or 500, ("error", error.description or ""))
        if isinstance(error, CSRFError):
            code, text = "csrf_failed", _CSRF_MESSAGE
        elif request.endpoint in _PUBLIC_ENDPOINTS and has_message(f"reader.{code}"):
            # Readers get problems with their request in their own language.
            text = message(code, pick_language(request.args.get("lang")))
        return APIError(error.code or 500, code, text).response()

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return APIError(
            500, "internal_error", "Something went wrong on our side. Please try again."
        ).response()
