"""Accessibility in real Chromium: axe-core (from the axe-playwright-python package, injected by
Playwright; never fetched from a CDN) finds no serious or critical violation on the reader's
and the editor's pages, and the Spamschutz question can be answered by keyboard alone with
what a screen reader announces."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, post_comment
from tests.browser.test_browser import widget_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]

axe_playwright = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on ``page``, one line each."""
    # No preload: axe would fetch the stylesheets itself, which another origin may not allow.
    results = axe_playwright.Axe().run(page, options={"resultTypes": ["violations"],
                                                      "preload": False})
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_demo_article_with_the_widget(server, watched):
    page = watched.page
    page.goto(f"{server.url}/demo")
    widget_form(page)
    assert serious_violations(page) == []


def test_widget_on_another_origin(server, sites, watched):
    allowed, _ = sites
    page = watched.page
    page.goto(allowed.url)
    widget_form(page)
    assert serious_violations(page) == []


def test_form_without_javascript_and_its_answer_page(server, watched):
    # axe-core needs JavaScript, so the page is shown as a browser without it renders it:
    # the <noscript> form in place, the widget's script empty.
    watched.expected = ("status of 422",)
    page = watched.page

    def as_without_javascript(route) -> None:
        response = route.fetch()
        body = response.text().replace("<noscript>", "<div>").replace("</noscript>", "</div>")
        route.fulfill(response=response, body=body)

    page.route(f"{server.url}/demo", as_without_javascript)
    page.route("**/widget.js", lambda route: route.fulfill(
        body="", content_type="text/javascript"))
    page.goto(f"{server.url}/demo")
    form = page.locator("form.ssz-form")
    expect(form).to_be_visible()
    assert serious_violations(page) == []
    form.get_by_label("Name").fill("Leser ohne Skript")
    form.get_by_label("Ihr Kommentar").fill("Barrierefrei auch ohne Skript.")
    form.locator("input[name=challenge_answer]").fill("99")
    form.get_by_role("button", name="Kommentar absenden").click()
    page.get_by_role("heading", name="Bitte prüfen Sie Ihren Kommentar").wait_for()
    assert serious_violations(page) == []


def test_login_desk_and_dashboard(server, watched):
    post_comment(server, text=f"Barrierefrei{uuid.uuid4().hex[:6]}: gut lesbarer Artikel.")
    page = watched.page
    page.goto(f"{server.url}/moderation/login")
    assert serious_violations(page) == []
    log_in(page, server)
    assert serious_violations(page) == []
    page.goto(f"{server.url}/moderation/dashboard")
    assert serious_violations(page) == []


def test_question_is_answered_with_the_keyboard_alone(server, watched):
    page = watched.page
    page.goto(f"{server.url}/demo")
    widget_form(page)
    answer = page.locator(".ssz-widget input[name=challenge_answer]")
    # What a screen reader announces on the answer field: the question, then why it is asked.
    expect(answer).to_have_accessible_name("Wie viel ist drei plus vier?")
    expect(answer).to_have_accessible_description(
        "Spamschutz: Um zu verhindern, dass hier Roboter Formulare ausfüllen, bitten wir Sie, "
        "die folgende Frage zu beantworten.")
    page.locator(".ssz-widget input[name=author]").focus()
    page.keyboard.type("Tastatur Tina")
    reached = []
    for _ in range(8):  # Tab through e-mail, website and text to the answer
        page.keyboard.press("Tab")
        name = page.evaluate("() => document.activeElement.name")
        reached.append(name)
        if name == "text":
            page.keyboard.type("Mit der Tastatur geschrieben, ohne Maus.")
        if name == "challenge_answer":
            break
    assert reached[-1] == "challenge_answer", reached
    assert "phone" not in reached  # the honeypot is never in the way
    page.keyboard.type("sieben")
    page.keyboard.press("Enter")
    status = page.get_by_role("status").filter(has_text="Vielen Dank")
    expect(status).to_be_visible()
