"""A reader whose browser runs no JavaScript: the plain form on /demo in real Chromium."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page_without_javascript(browser):
    """A German Chromium page with JavaScript switched off."""
    context = browser.new_context(java_script_enabled=False, locale="de-DE",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _fill(page, text: str, answer: str) -> None:
    page.get_by_label("Name").fill("Leser ohne Skript")
    page.get_by_label("Ihr Kommentar").fill(text)
    page.locator("input[name=challenge_answer]").fill(answer)


def test_reader_without_javascript_answers_wrong_keeps_the_text_and_then_posts(
    server, page_without_javascript
):
    page = page_without_javascript
    page.goto(f"{server.url}/demo")
    question = page.locator("label.ssz-challenge__question")
    assert question.text_content() == "Wie viel ist drei plus vier?"
    text = f"Ohne JavaScript {uuid.uuid4().hex[:6]}: Die Radwege kommen spät, aber sie kommen."
    _fill(page, text, "99")
    page.locator(".comments").scroll_into_view_if_needed()
    screenshot(page, "nojs-form")

    page.get_by_role("button", name="Kommentar absenden").click()
    page.wait_for_load_state()
    body = page.locator("body").text_content()
    assert not body.lstrip().startswith("{"), body[:200]  # a page, not raw JSON
    assert page.get_by_role("heading", name="Bitte prüfen Sie Ihren Kommentar").is_visible()
    alert = page.get_by_role("alert")
    assert "stimmt leider nicht" in alert.text_content()
    assert page.get_by_label("Ihr Kommentar").input_value() == text
    assert page.get_by_label("Name").input_value() == "Leser ohne Skript"
    assert page.locator("input[name=challenge_answer]").input_value() == ""
    screenshot(page, "nojs-wrong-answer")

    page.locator("input[name=challenge_answer]").fill("sieben")
    page.get_by_role("button", name="Kommentar absenden").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Vielen Dank").is_visible()
    status = page.get_by_role("status")
    assert "innerhalb der nächsten 24 Stunden freigeschaltet" in status.text_content()
    assert "kommen Sie zum Artikel zurück" in page.locator(".back-link").text_content()
    screenshot(page, "nojs-received")
