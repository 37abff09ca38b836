"""The spamschutz web service: public comment API, moderation desk, demo page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the app from defaults, ``SPAMSCHUTZ_*`` variables and ``config`` (which wins).

    No network calls, no migrations, no model loading here: the database is reached and the
    model loaded on first use, so the factory is cheap and safe to call anywhere.
    """
    # Imported here so that ``import spamschutz.service.storage`` (CLI, migrations) stays light.
    from flask import Flask

    from spamschutz.model.links import use_site_domains
    from spamschutz.service.api import register_api
    from spamschutz.service.api.hot_path import ScoreHotPath
    from spamschutz.service.auth import SESSION_LIFETIME
    from spamschutz.service.campaigns.detector import init_campaign_detector
    from spamschutz.service.challenge_guard import init_challenge_guard
    from spamschutz.service.config import load_config, site_domains
    from spamschutz.service.cors import init_cors
    from spamschutz.service.demo import bp as demo_bp
    from spamschutz.service.extensions import Runtime, csrf
    from spamschutz.service.health import bp as health_bp
    from spamschutz.service.i18n import init_i18n
    from spamschutz.service.moderation import bp as moderation_bp
    from spamschutz.service.observability import init_metrics, init_request_logging
    from spamschutz.service.proxies import trust_proxies
    from spamschutz.service.ratelimits import init_rate_limits
    from spamschutz.service.request_guard import init_request_guard
    from spamschutz.service.security import (
        SecureWhenHttpsSessionInterface,
        register_security_headers,
    )
    from spamschutz.service.spool_replay import init_spool_replay
    from spamschutz.service.webhooks import init_webhook_worker

    settings = load_config(config)
    use_site_domains(site_domains(settings))
    app = Flask(__name__)
    app.config.update(settings)
    app.config.update(
        MAX_CONTENT_LENGTH=settings["MAX_BODY_BYTES"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="spamschutz_session",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        WTF_CSRF_TIME_LIMIT=None,  # bound to the session instead, which expires on its own
        JSON_SORT_KEYS=False,
    )
    if settings["ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    # First: every later hook and log line sees the request id and the metrics' timer.
    init_request_logging(app)
    # Before every hook that reads a form (CSRF) and every view.
    init_request_guard(app)
    Runtime.from_config(app.config).init_app(app)
    init_metrics(app)
    init_spool_replay(app)
    init_webhook_worker(app)
    init_campaign_detector(app)
    csrf.init_app(app)
    init_i18n(app)

    register_api(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(moderation_bp, url_prefix="/moderation")
    app.register_blueprint(demo_bp)
    register_security_headers(app)
    # After the blueprints: limits wrap the registered views.
    init_rate_limits(app)
    init_challenge_guard(app)
    init_cors(app)
    # Inside ProxyFix, so it sees the request as Flask would.
    app.wsgi_app = ScoreHotPath(app, app.wsgi_app)  # type: ignore[method-assign]
    trust_proxies(app)
    app.session_interface = SecureWhenHttpsSessionInterface()
    return app
