"""The framework's ceiling: Flask parsing the same JSON and answering a constant.

Served by ``bench/http.py`` with gunicorn's command line and the same worker class, worker and
thread counts as ``spamschutz serve``, so the ratio between the two is what spamschutz's own work
(validation, challenge check, scoring, decision, database write) costs.
"""

from __future__ import annotations

from flask import Flask, request

__all__ = ["app"]

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
