"""Prometheus metrics at ``/metrics``, correct under several gunicorn workers.

Counters and histograms are kept per process by ``prometheus_client``; under ``spamschutz
serve`` each worker writes them to files in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds
them up (multiprocess mode). Figures that live in the database or on disk (the review queue,
disagreement, agreement per model version, the active model's score drift, the catalog's
active model, the spool) are read at scrape time instead, so they are right whichever worker
or instance answers.

Who may scrape: a client on the loopback interface (after ``SPAMSCHUTZ_TRUSTED_PROXIES`` is
applied, so a proxy on the same host does not make everybody local), or anyone presenting
``Authorization: Bearer <SPAMSCHUTZ_METRICS_TOKEN>``. Everyone else gets a 404, so the
endpoint's existence is not advertised.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from datetime import timedelta

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = [
    "SERVING_EXTENSION",
    "ServingModelGauge",
    "init_metrics",
    "observe_campaign_detection",
    "observe_request",
    "observe_scoring",
    "record_challenge_outcome",
    "record_verdict",
]

log = logging.getLogger(__name__)

# The classic text format generate_latest writes by default, which every Prometheus parses.
_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Where the app keeps its ServingModelGauge, for whatever answers requests besides Flask's views.
SERVING_EXTENSION = "spamschutz.serving_gauge"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "spamschutz_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["method", "endpoint", "status"],
)
REQUEST_LATENCY = Histogram(
    "spamschutz_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["method", "endpoint"],
    buckets=_LATENCY_BUCKETS,
)
VERDICTS = Counter(
    "spamschutz_verdicts",
    "Accepted comments by the status they were stored with and the model's score band.",
    ["status", "band"],
)
CHALLENGES = Counter(
    "spamschutz_challenge_outcomes",
    "Answers to challenge questions: passed, or the reason they were refused.",
    ["outcome"],
)
SCORING_LATENCY = Histogram(
    "spamschutz_scoring_duration_seconds",
    "Time the model takes to score one comment, explanations included.",
    buckets=_LATENCY_BUCKETS,
)
CAMPAIGN_DETECTION_LATENCY = Histogram(
    "spamschutz_campaign_detection_duration_seconds",
    "Time the campaign detection takes for one accepted comment, its database work included.",
    buckets=(0.0005, 0.001, 0.0025, *_LATENCY_BUCKETS),
)
SERVING_MODEL = Gauge(
    "spamschutz_model_serving",
    "1 for the model version a live worker serves.",
    ["version"],
    multiprocess_mode="livemax",
)


def observe_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    """Count one answered request and its time, by route template (``endpoint``)."""
    REQUEST_LATENCY.labels(method, endpoint).observe(seconds)
    REQUESTS.labels(method, endpoint, str(status)).inc()


class ServingModelGauge:
    """Keeps ``spamschutz_model_serving`` at 1 for the version this worker serves."""

    def __init__(self) -> None:
        self.version: str | None = None

    def update(self, version: str | None) -> None:
        """Note that ``version`` is serving now (``None``: no model loaded yet)."""
        if version == self.version:
            return
        if self.version is not None:
            SERVING_MODEL.labels(self.version).set(0)
        if version is not None:
            SERVING_MODEL.labels(version).set(1)
        self.version = version


def record_verdict(status: str, band: str | None) -> None:
    """Count an accepted comment stored with ``status`` (``band``: None when unscored)."""
    VERDICTS.labels(status=status, band=band or "unscored").inc()


def record_challenge_outcome(outcome: str) -> None:
    """Count a challenge answer: ``passed`` or the error code it was refused with."""
    CHALLENGES.labels(outcome=outcome).inc()


def observe_campaign_detection(seconds: float) -> None:
    """Note how long the campaign detection took for one comment."""
    CAMPAIGN_DETECTION_LATENCY.observe(seconds)


def observe_scoring(seconds: float) -> None:
    """Note how long scoring one comment took (a plain call: cheaper than a ``with`` timer)."""
    SCORING_LATENCY.observe(seconds)


class DatabaseFigures(Collector):
    """Figures read at scrape time from the app's database, spool and catalog."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        """Yield the metric families; a database that does not answer yields ``up 0``."""
        from spamschutz.service.extensions import Runtime
        from spamschutz.service.storage import StorageUnavailable, utc_now

        runtime: Runtime = self.app.extensions["spamschutz"]
        promise_hours = int(self.app.config["PROMISE_HOURS"])
        spool = runtime.spool.status()
        yield _gauge(
            "spamschutz_spool_depth", "Comments waiting in this instance's spool.", spool.depth
        )
        yield _gauge(
            "spamschutz_spool_failed", "Spooled comments set aside after an error.", spool.failed
        )
        yield _gauge(
            "spamschutz_queue_promise_seconds",
            "Time within which every comment gets a decision.",
            promise_hours * 3600,
        )
        now = utc_now()
        try:
            statistics = runtime.statistics.queue_statistics(now - timedelta(hours=promise_hours))
            active = runtime.models.active_model()
        except StorageUnavailable:
            yield _gauge("spamschutz_database_up", "1 when the database answered this scrape.", 0)
            return
        yield _gauge("spamschutz_database_up", "1 when the database answered this scrape.", 1)
        yield _gauge(
            "spamschutz_queue_pending", "Comments waiting for a moderator.", statistics.pending
        )
        oldest = statistics.oldest_pending_at
        yield _gauge(
            "spamschutz_queue_oldest_pending_age_seconds",
            "Age of the oldest comment waiting for a moderator (0 when none waits).",
            max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        yield _gauge(
            "spamschutz_queue_overdue",
            "Comments waiting longer than the promise.",
            statistics.overdue,
        )
        try:
            campaigns = runtime.campaigns.campaign_figures()
        except StorageUnavailable:
            return
        yield _gauge("spamschutz_campaigns_open",
                     "Recognised campaigns that are not dissolved.", campaigns["open"])
        yield _gauge("spamschutz_campaigns_sweeping",
                     "Open campaigns a moderator's spam decision sweeps.", campaigns["sweeping"])
        yield _gauge("spamschutz_campaign_comments_swept",
                     "Comments a campaign's sweep holds in the spam folder (across instances).",
                     campaigns["swept"])
        disagreement = GaugeMetricFamily(
            "spamschutz_model_disagreements",
            "Moderator decisions that overruled the model's band, by kind (kept decisions).",
            labels=["kind"],
        )
        for kind, count in statistics.disagreements.items():
            disagreement.add_metric([kind], count)
        yield disagreement
        active_info = GaugeMetricFamily(
            "spamschutz_model_active",
            "1 for the catalog's active model version.",
            labels=["version"],
        )
        if active is not None:
            active_info.add_metric([active.version], 1)
        yield active_info
        try:
            yield from _model_watch_figures(runtime.statistics, active, now)
        except StorageUnavailable:
            return


def _model_watch_figures(statistics, active, now) -> Iterator[GaugeMetricFamily]:
    """Per-version agreement with the moderators and the active model's score drift."""
    from spamschutz.service.model_watch import DRIFT_DAYS, score_drift

    moderated = GaugeMetricFamily(
        "spamschutz_model_moderated_comments",
        "Comments a model version scored that a moderator then decided (kept decisions).",
        labels=["version"],
    )
    overruled = GaugeMetricFamily(
        "spamschutz_model_overruled_comments",
        "Of those, where the moderator overruled the band: false_positive (published from the "
        "spam folder) or miss (marked spam although scored harmless).",
        labels=["version", "kind"],
    )
    for row in statistics.agreement_by_version():
        moderated.add_metric([row.model_version], row.moderated)
        overruled.add_metric([row.model_version, "false_positive"], row.false_positives)
        overruled.add_metric([row.model_version, "miss"], row.misses)
    yield moderated
    yield overruled
    if active is None:
        return
    recent = statistics.recent_scores(active.version, now - timedelta(days=DRIFT_DAYS))
    drift = score_drift(active.version, active.metadata, recent)
    yield _gauge(
        "spamschutz_model_drift_comments",
        f"Comments of the last {DRIFT_DAYS} days the active model scored (the drift sample).",
        drift.recent,
    )
    if drift.psi is not None:
        yield _gauge(
            "spamschutz_model_drift_psi",
            f"Population stability index of the active model's scores over the last {DRIFT_DAYS} "
            "days against its training data (above 0.25: a major shift).",
            drift.psi,
        )
        yield _gauge(
            "spamschutz_model_drift_ks",
            "Kolmogorov-Smirnov distance of the same two score distributions (0 to 1).",
            drift.ks or 0.0,
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _endpoint() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


# HTTP methods get a label value of their own; any other name a client sends is "other": every
# label value is a time series kept until restart, so clients must not be able to add them.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method() -> str:
    return request.method if request.method in _METHODS else "other"


def _may_scrape() -> bool:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def init_metrics(app: Flask) -> None:
    """Time and count every request and serve ``/metrics``."""
    figures = DatabaseFigures(app)
    serving = app.extensions[SERVING_EXTENSION] = ServingModelGauge()

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            observe_request(
                _method(), _endpoint(), response.status_code, time.perf_counter() - started
            )
        serving.update(app.extensions["spamschutz"].registry.version)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        """The Prometheus text format: this process's (or all workers') metrics and the
        figures read from the database."""
        if not _may_scrape():
            abort(404)
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(figures)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.MultiProcessCollector(scrape)
            body = generate_latest(scrape)
        else:
            body = generate_latest(REGISTRY) + generate_latest(scrape)
        return Response(body, headers={"Content-Type": _CONTENT_TYPE, "Cache-Control": "no-store"})
