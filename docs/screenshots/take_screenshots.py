"""Take the screenshots of docs/screenshots from a fresh server with a few realistic comments.

    .venv/bin/python docs/screenshots/take_screenshots.py [--chromium /usr/bin/chromium]

Starts ``spamschutz serve`` on a free port with a temporary data directory, posts comments
through the API as readers would (with the article's title and address), adds a moderator,
and photographs the German desk (a card with its reasons and signals), the demo page's form
without JavaScript, its answer to a wrong answer and the thank-you page.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PASSWORD = "ein langes Passwort"  # noqa: S105 (a throwaway server's moderator)
ARTICLE = "Stadtrat beschließt neue Radwege: Hauptstraße bekommt geschützte Fahrspur"
COMMENTS = [
    ("Erika Musterfrau", "erika@example.de",
     "Endlich! Seit Jahren fahren meine Kinder auf der Hauptstraße zwischen parkenden Autos und "
     "Lieferwagen zur Schule. Die 46 Parkplätze sind mir die Sicherheit wert."),
    ("Peter K.", "",
     "Und wer bezahlt das? 1,8 Millionen Euro, und der Marktplatz stirbt, wenn keiner mehr "
     "parken kann. Der Gewerbeverein hat recht."),
    ("BestDeals24", "deals@cheap-meds.example",
     "Viagra und Cialis ohne Rezept!!! Jetzt 80% RABATT, diskrete Lieferung: "
     "http://cheap-meds.example/kaufen"),
    ("Jonas", "jonas@example.org",
     "Gute Entscheidung. Wird die Radspur im Winter auch geräumt?"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The site's own questions only, so that the script knows their answers.
QUESTIONS = [
    {"lang": "de", "question": "Wie viel ist drei plus vier?", "answers": ["7"]},
    {"lang": "de", "question": "Welche Farbe hat Schnee?", "answers": ["weiß"]},
]


def _answers() -> dict[str, str]:
    return {entry["question"]: entry["answers"][0] for entry in QUESTIONS}


def _post_comments(url: str, answers: dict[str, str]) -> None:
    challenges = [httpx.get(f"{url}/api/v1/challenge?lang=de", timeout=10).json()
                  for _ in COMMENTS]
    time.sleep(4)  # readers take a while to write: no "too fast" on the desk
    for (author, email, text), challenge in zip(COMMENTS, challenges, strict=True):
        response = httpx.post(f"{url}/api/v1/comments", timeout=30, json={
            "thread_id": "demo-radwege", "thread_title": ARTICLE,
            "thread_url": f"{url}/demo", "author": author, "email": email, "text": text,
            "challenge_token": challenge["token"],
            "challenge_answer": answers[challenge["question"]], "lang": "de"})
        response.raise_for_status()


def _shoot(url: str, chromium: str, answers: dict[str, str]) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        desk = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="de-DE")
        desk.goto(f"{url}/moderation/login")
        desk.fill("#login-name", "redaktion")
        desk.fill("#login-password", PASSWORD)
        desk.click("button[type=submit]")
        desk.wait_for_url(f"{url}/moderation/")
        desk.screenshot(path=str(HERE / "desk.png"))
        # The model sends the pharma comment straight to the spam folder: its card is there.
        desk.goto(f"{url}/moderation/?status=spam")
        card = desk.locator("article.card", has_text="BestDeals24")
        card.screenshot(path=str(HERE / "desk-card.png"))

        reader = browser.new_page(java_script_enabled=False, locale="de-DE",
                                  viewport={"width": 1000, "height": 900})
        reader.goto(f"{url}/demo")
        form = reader.locator("form.ssz-form")
        form.get_by_label("Name").fill("Leser ohne Skript")
        form.get_by_label("Ihr Kommentar").fill("Die Radwege kommen spät, aber sie kommen.")
        form.locator("input[name=challenge_answer]").fill("99")
        form.scroll_into_view_if_needed()
        reader.screenshot(path=str(HERE / "nojs-form.png"))
        form.get_by_role("button", name="Kommentar absenden").click()
        reader.wait_for_load_state()
        reader.screenshot(path=str(HERE / "nojs-wrong-answer.png"))
        question = reader.locator("label.ssz-challenge__question").text_content()
        reader.locator("input[name=challenge_answer]").fill(answers[question.strip()])
        reader.get_by_role("button", name="Kommentar absenden").click()
        reader.wait_for_load_state()
        reader.screenshot(path=str(HERE / "nojs-received.png"))
        browser.close()


def main() -> None:
    """Serve, seed, photograph, stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        questions = Path(data_dir) / "questions.json"
        questions.write_text(json.dumps(QUESTIONS), encoding="utf-8")
        env = {**os.environ, "SPAMSCHUTZ_DATA_DIR": data_dir,
               "SPAMSCHUTZ_QUESTIONS": str(questions), "SPAMSCHUTZ_OWN_QUESTIONS_SHARE": "1"}
        command = [sys.executable, "-m", "spamschutz"]
        # Our own command with our own arguments.
        subprocess.run(  # noqa: S603
            [*command, "moderators", "add", "redaktion", "--password-stdin"],
            input=PASSWORD + "\n", text=True, env=env, check=True)
        server = subprocess.Popen(  # noqa: S603
            [*command, "serve", "--port", str(port), "--workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            answers = _answers()
            _post_comments(url, answers)
            _shoot(url, args.chromium, answers)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
