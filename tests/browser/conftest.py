"""Headless Chromium (Debian's, never a downloaded one) against a real ``spamschutz serve``,
plus small static "news sites" on other origins that embed the widget."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import QUESTIONS, Server, running_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MODERATOR = "redaktion"
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@dataclass
class Site:
    """A static page on its own origin that embeds the widget of ``server``."""

    url: str
    origin: str


def _serve_directory(directory: Path) -> http.server.ThreadingHTTPServer:
    # Port 0: the system picks a free port as the socket binds, so nothing can take it first.
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""



@pytest.fixture(scope="session", autouse=True)
def _starter_baked_once(servers_use_the_baked_starter: None) -> None:
    """Servers here register one starter model trained for the session (tests/conftest.py)."""

@pytest.fixture(scope="session")
def site_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, list[http.server.ThreadingHTTPServer]]]:
    """The allowed and the refused embedding site's servers, listening before the service
    starts (its allowed origin names the first one's port), and the folder they serve."""
    directory = tmp_path_factory.mktemp("news-site")
    servers = [_serve_directory(directory) for _ in range(2)]
    yield directory, servers
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def site_ports(site_servers) -> tuple[int, int]:
    """Ports of an allowed and of a refused embedding site."""
    allowed, refused = (httpd.server_address[1] for httpd in site_servers[1])
    return allowed, refused


@contextmanager
def browser_server(tmp_path_factory: pytest.TempPathFactory, site_ports) -> Iterator[Server]:
    """``spamschutz serve`` with the allowed site's origin configured, and a moderator."""
    data_dir = tmp_path_factory.mktemp("browser-server")
    questions = data_dir / "questions.json"
    questions.write_text(json.dumps(QUESTIONS))
    generous = "100000 per minute"
    env = {
        **os.environ,
        "SPAMSCHUTZ_DATA_DIR": str(data_dir),
        "SPAMSCHUTZ_QUESTIONS": str(questions),
        "SPAMSCHUTZ_OWN_QUESTIONS_SHARE": "1",
        "SPAMSCHUTZ_MIN_SUBMIT_SECONDS": "3",
        "SPAMSCHUTZ_ALLOWED_ORIGINS": f"http://127.0.0.1:{site_ports[0]}",
        "SPAMSCHUTZ_RATE_LIMIT_COMMENTS": generous,
        "SPAMSCHUTZ_RATE_LIMIT_CHALLENGES": generous,
        "SPAMSCHUTZ_RATE_LIMIT_WRONG_ANSWERS": generous,
        "SPAMSCHUTZ_RATE_LIMIT_LOGIN": generous,
        "SPAMSCHUTZ_RATE_LIMIT_LOGIN_ACCOUNT": generous,
    }
    env.pop("SPAMSCHUTZ_DATABASE_URL", None)
    with running_server(env, data_dir) as running:
        running.cli("moderators", "add", MODERATOR, "--password-stdin", input=PASSWORD + "\n")
        yield running


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, site_ports) -> Iterator[Server]:
    """The browser tests' shared server (:func:`browser_server`)."""
    with browser_server(tmp_path_factory, site_ports) as running:
        yield running


@pytest.fixture(scope="session")
def sites(server: Server, site_servers, site_ports) -> tuple[Site, Site]:
    """The allowed and the refused embedding site, each serving the same small article."""
    directory, _servers = site_servers
    (directory / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" '
        'href="data:,"><title>Riverside Gazette'
        '</title></head><body><h1>Bridge reopens after repairs</h1><p>The old bridge is open'
        ' again.</p><div data-spamschutz-thread="gazette-bridge"></div>'
        f'<script src="{server.url}/static/widget.js" defer></script></body></html>',
        encoding="utf-8")
    allowed, refused = (
        Site(f"http://127.0.0.1:{port}/index.html", f"http://127.0.0.1:{port}")
        for port in site_ports
    )
    return allowed, refused


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright.

    Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is active, which would break later tests that call ``asyncio.run``.
    """
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@dataclass
class WatchedPage:
    """A page whose console errors, uncaught exceptions and dialogs are recorded."""

    page: object
    errors: list[str]
    dialogs: list[str]
    # Console lines a test expects, e.g. the browser's note on a 422 answer to a wrong answer.
    expected: tuple[str, ...] = ()


@pytest.fixture
def watched(browser) -> Iterator[WatchedPage]:
    """A fresh browser context and page; the test fails on any console error or dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    watched = WatchedPage(page, [], [])
    page.on("console", lambda msg: watched.errors.append(msg.text) if msg.type == "error"
            else None)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("response", lambda response: watched.errors.append(
        f"{response.status} {response.url}") if response.status == 404 else None)

    def on_dialog(dialog) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield watched
    context.close()
    assert watched.dialogs == [], f"dialogs opened: {watched.dialogs}"
    errors = [text for text in watched.errors
              if not any(pattern in text for pattern in watched.expected)]
    assert errors == [], f"console errors: {errors}"


def screenshot(page, name: str) -> Path:
    """Save a screenshot as a test artefact (``test-artifacts/``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def post_comment(server: Server, **fields: str) -> str:
    """Submit a comment over HTTP with the right answer; returns its id."""
    challenge = httpx.get(f"{server.url}/api/v1/challenge?lang=de", timeout=10).json()
    body = {"thread_id": "demo-radwege", "author": "Erika Musterfrau",
            "text": "Ich finde den Beschluss richtig, aber die Finanzierung bleibt unklar.",
            "challenge_token": challenge["token"], "challenge_answer": "7", **fields}
    response = httpx.post(f"{server.url}/api/v1/comments", json=body, timeout=30,
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def log_in(page, server: Server) -> None:
    """Log in through the real form."""
    page.goto(f"{server.url}/moderation/login")
    page.fill("#login-name", MODERATOR)
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/moderation/")
