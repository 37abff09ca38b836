"""The framework's ceiling: Flask parsing the same JSON and answering a constant.

Served by ``bench/http.py`` as ``python -m bench.bare_app --port P --workers W --threads T``
with the gunicorn settings of ``spamschutz serve`` (``spamschutz.server.worker_options``: worker
class, workers, threads, GIL switch interval, keep-alive), so the ratio between the two is what
spamschutz's own work (validation, challenge check, scoring, decision, database write) costs.
"""

from __future__ import annotations

import argparse

from flask import Flask, request

__all__ = ["app", "main"]

app = Flask(__name__)

_SCORE = {"score": 0.5, "verdict": "unsure", "reasons": [], "model_version": "bare"}
_CHALLENGE = {"token": "bare", "question": "?", "lang": "de", "expires_in": 1800}
_RECEIVED = {"id": "bare", "status": "received", "message": "ok"}


@app.post("/api/v1/score")
def score():
    """Parse the JSON body like the real endpoint and answer a constant score."""
    request.get_json()
    return _SCORE


@app.post("/api/v1/comments")
def comments():
    """Parse the JSON body like the real endpoint and answer a constant 202."""
    request.get_json()
    return _RECEIVED, 202


@app.get("/api/v1/challenge")
def challenge():
    """Answer a constant question."""
    return _CHALLENGE, 200, {"Cache-Control": "no-store"}


def main(argv: list[str] | None = None) -> None:
    """Serve :data:`app` under gunicorn until stopped."""
    from spamschutz.server import WsgiServer, worker_options

    parser = argparse.ArgumentParser(description="bare Flask under spamschutz's gunicorn settings")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args(argv)
    options = worker_options(args.host, args.port, args.workers, args.threads)
    WsgiServer(options, lambda: app).run()


if __name__ == "__main__":
    main()
