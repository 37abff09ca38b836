"""Moderator login and logout."""

from __future__ import annotations

import re

from flask import Response, flash, g, make_response, redirect, render_template, request, url_for

from spamschutz.service.auth import log_in, log_out, session_moderator, verify_password
from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import translate
from spamschutz.service.moderation import bp
from spamschutz.service.moderation.access import safe_next
from spamschutz.service.moderation.language import desk_language

__all__ = ["login", "logout", "throttled_login_page"]

# Longer input is no account of ours; it is refused without a database query, after the same
# password work as any other attempt.
_MAX_NAME_LENGTH = 200
_MAX_PASSWORD_LENGTH = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _forget_csrf_token() -> None:
    # log_in and log_out start a new session, which drops the CSRF secret kept in it.
    # Flask-WTF caches the signed token in ``g``; dropping that too makes the next form get a
    # token for the new session instead of one for the session that just ended.
    g.pop("csrf_token", None)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on a correct name and password start a fresh session."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if session_moderator() is not None:
            return redirect(next_url or url_for(".queue"), 303)
        return render_template("moderation/login.html", next_url=next_url, name="")

    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    plausible = (
        0 < len(name) <= _MAX_NAME_LENGTH
        and len(password) <= _MAX_PASSWORD_LENGTH
        and not _CONTROL.search(name)
    )
    row = runtime().accounts.get_moderator(name) if plausible else None
    # The password is checked even for unknown or disabled accounts: same work, same time.
    password_ok = verify_password(
        row.password_hash if row else None, password[:_MAX_PASSWORD_LENGTH]
    )
    if (
        row is None
        or row.disabled
        or not password_ok
        or not log_in(row.name, row.session_epoch)
    ):
        _forget_csrf_token()
        return render_template("moderation/login.html", next_url=next_url,
                               name=_CONTROL.sub("", name[:_MAX_NAME_LENGTH]),
                               # One message for an unknown name, a wrong password and
                               # a disabled account: the form must not tell which
                               # moderator names exist.
                               error=translate("login.failed", desk_language()))
    _forget_csrf_token()
    return redirect(next_url or url_for(".queue"), 303)


def throttled_login_page(seconds: int) -> Response:
    """The login form saying that this address or name has to wait (no password checked)."""
    return make_response(render_template(
        "moderation/login.html",
        next_url=safe_next(request.values.get("next")),
        name=_CONTROL.sub("", request.form.get("name", "")[:_MAX_NAME_LENGTH]),
        error=translate("login.throttled", desk_language(),
                        minutes=max(1, -(-seconds // 60))),
    ))


@bp.post("/logout")
def logout():
    """End the session (a POST with CSRF token, so no other site can log a moderator out)."""
    log_out()
    _forget_csrf_token()
    flash(translate("flash.logged_out", desk_language()), "success")
    return redirect(url_for(".login"), 303)
