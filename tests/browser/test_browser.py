"""The comment form and the moderation desk in a real browser (Debian's Chromium)."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.browser.conftest import log_in, post_comment, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE = ('<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> '
           '<a href="javascript:window.__xss=3">klick</a> <b onmouseover=alert(1)>fett</b>')


def widget_form(page):
    """The widget's form once its question has loaded."""
    page.wait_for_selector(".ssz-widget form")
    page.wait_for_function(
        "() => { const q = document.querySelector('.ssz-challenge__question');"
        " return q && /\\?$/.test(q.textContent.trim()); }")
    return page


def fill_widget(page, text: str, answer: str, author: str = "Leserin Anna") -> None:
    page.get_by_label("Name").fill(author)
    page.locator("textarea[name=text]").fill(text)
    page.locator("input[name=challenge_answer]").fill(answer)


def test_reader_answers_and_posts_and_sees_the_message(server, watched):
    page = watched.page
    page.goto(f"{server.url}/demo")
    widget_form(page)
    fill_widget(page, "Gute Entscheidung, die Radwege sind überfällig.", "7")
    page.locator(".comments").scroll_into_view_if_needed()
    screenshot(page, "form")
    page.get_by_role("button", name="Kommentar absenden").click()
    message = page.locator(".ssz-message--success")
    message.wait_for()
    assert "innerhalb der nächsten 24 Stunden" in message.text_content()
    assert page.locator("textarea[name=text]").input_value() == ""


def test_wrong_answer_keeps_the_text_and_shows_a_new_question(server, watched):
    # Chromium logs every non-2xx answer to fetch; the 422 is the service's designed answer.
    watched.expected = ("status of 422",)
    page = watched.page
    page.goto(f"{server.url}/demo")
    widget_form(page)
    text = "Mein Text soll nicht verloren gehen."
    fill_widget(page, text, "99")
    page.get_by_role("button", name="Kommentar absenden").click()
    error = page.locator(".ssz-message--error")
    error.wait_for()
    assert "neue Frage" in error.text_content()
    assert page.locator("textarea[name=text]").input_value() == text
    answer = page.locator("input[name=challenge_answer]")
    assert answer.input_value() == ""
    assert answer.evaluate("element => element === document.activeElement")
    assert page.locator(".ssz-challenge__question").text_content().endswith("?")
    answer.fill("7")
    page.get_by_role("button", name="Kommentar absenden").click()
    page.locator(".ssz-message--success").wait_for()


def test_comment_edited_after_a_lost_answer_is_kept_as_a_new_comment(server, watched):
    # The first answer is lost on the way back (the comment was stored); the reader edits the
    # text and sends again. The edit must be stored, not answered with the first comment's id.
    watched.expected = ("status of 422", "net::ERR_FAILED")
    page = watched.page
    lost = []

    def lose_first_answer(route) -> None:
        if lost:
            route.continue_()
            return
        lost.append(route.fetch().status)
        route.abort()

    page.route("**/api/v1/comments", lose_first_answer)
    page.goto(f"{server.url}/demo")
    widget_form(page)
    marker = f"Verloren{uuid.uuid4().hex[:8]}"
    fill_widget(page, f"{marker} erste Fassung", "7")
    page.get_by_role("button", name="Kommentar absenden").click()
    page.locator(".ssz-message--error").wait_for()
    assert lost == [202]
    page.locator("textarea[name=text]").fill(f"{marker} zweite Fassung, mit Korrektur")
    page.get_by_role("button", name="Kommentar absenden").click()
    page.locator(".ssz-message--error", has_text="neue Frage").wait_for()  # the question was used
    page.locator("input[name=challenge_answer]").fill("7")
    page.get_by_role("button", name="Kommentar absenden").click()
    page.locator(".ssz-message--success").wait_for()
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    texts = page.locator("article.card .card__text").all_text_contents()
    assert sorted(text.strip() for text in texts) == [
        f"{marker} erste Fassung", f"{marker} zweite Fassung, mit Korrektur"]


def test_moderator_sees_score_and_reasons_approves_with_the_keyboard(server, watched):
    marker = f"Radweg{uuid.uuid4().hex[:8]}"
    post_comment(server, text=f"{marker}: Der Stadtrat hat richtig entschieden, danke.")
    page = watched.page
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    card = page.locator("article.card")
    assert card.count() == 1
    assert re.search(r"\d+\s%|< 1\s%|> 99\s%", card.locator(".badge").text_content())
    assert card.locator(".reasons li").count() >= 1
    assert card.locator(".card__text mark").count() >= 1
    screenshot(page, "desk")
    page.keyboard.press("j")
    page.keyboard.press("a")
    # The last card of the page went: the desk loads the queue again, now empty.
    page.locator(".empty").wait_for()
    page.goto(f"{server.url}/demo")
    page.locator(".ssz-comment__text", has_text=marker).wait_for()


def test_bulk_reject(server, watched):
    marker = f"Sammel{uuid.uuid4().hex[:8]}"
    for number in range(3):
        post_comment(server, text=f"{marker} Nummer {number}: die Buslinie fehlt mir.")
    page = watched.page
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    assert page.locator("article.card").count() == 3
    for box in page.locator(".card__select").all():
        box.check()
    assert page.locator("[data-selected-count]").text_content() == "3"
    page.locator("#bulk button[value=reject]").click()
    page.wait_for_load_state()
    assert "3 Beiträge abgelehnt." in page.locator(".flashes").text_content()
    page.goto(f"{server.url}/moderation/?status=rejected&q={marker}")
    assert page.locator("article.card").count() == 3


def test_hostile_comment_is_shown_as_text_and_runs_nothing(server, watched):
    marker = f"Feind{uuid.uuid4().hex[:8]}"
    post_comment(server, text=f"{marker} {HOSTILE}", author="<b>Mallory</b><img src=y>")
    page = watched.page
    log_in(page, server)
    for status in ("pending", "spam"):
        page.goto(f"{server.url}/moderation/?status={status}&q={marker}")
        if page.locator("article.card").count():
            break
    card = page.locator("article.card")
    assert HOSTILE in card.locator(".card__text").text_content()
    assert "<b>Mallory</b>" in card.locator(".card__author").text_content()
    assert card.locator(".card__text script, .card__text img, .card__text a").count() == 0
    card.locator("form.decision[data-action=approve] button").click()
    page.locator(".empty").wait_for()
    page.goto(f"{server.url}/demo")
    comment = page.locator(".ssz-comment", has_text=marker)
    comment.wait_for()
    assert HOSTILE in comment.text_content()
    assert comment.locator("script, img, b, a[href^=javascript]").count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_moderator_clears_a_queue_of_50_with_the_keyboard_alone(server, watched):
    marker = f"Fuenfzig{uuid.uuid4().hex[:8]}"
    for number in range(50):
        post_comment(server, text=f"{marker} Beitrag {number}: danke für den Bericht.",
                     thread_id="fuenfzig")
    page = watched.page
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    assert page.locator("article.card").count() == 25
    for _ in range(50):
        cards = page.locator("article.card")
        first_id = cards.first.get_attribute("data-id")
        if cards.count() == 1:
            # The page's last card: the desk reloads to show the next page of the queue.
            with page.expect_navigation():
                page.keyboard.press("a")
        else:
            page.keyboard.press("a")
        page.locator(f'article.card[data-id="{first_id}"]').wait_for(state="detached")
    page.wait_for_selector(".empty")
    page.goto(f"{server.url}/moderation/?status=approved&thread=fuenfzig")
    assert page.locator("[data-count=approved]").count() == 1


def test_key_help_opens_with_question_mark(server, watched):
    page = watched.page
    log_in(page, server)
    page.keyboard.press("?")
    dialog = page.locator("#keys-help")
    dialog.wait_for(state="visible")
    assert "j" in dialog.text_content()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")


def test_widget_works_on_an_allowed_other_origin(server, sites, watched):
    allowed, _ = sites
    page = watched.page
    page.goto(allowed.url)
    widget_form(page)
    assert page.locator(".ssz-challenge__question").text_content() == "What is three plus four?"
    fill_widget(page, "Glad the bridge is open again.", "7", author="Sam")
    page.get_by_role("button", name="Post comment").click()
    message = page.locator(".ssz-message--success")
    message.wait_for()
    assert "Thank you" in message.text_content()


def test_widget_is_refused_on_an_origin_not_configured(server, sites, browser):
    _, refused = sites
    context = browser.new_context()
    page = context.new_page()
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text) if msg.type == "error" else None)
    page.goto(refused.url)
    page.locator(".ssz-challenge__question",
                 has_text="could not be loaded").wait_for(timeout=10_000)
    assert any("CORS" in text or "Access-Control" in text for text in blocked), blocked
    context.close()


def test_desk_and_form_are_usable_at_375_px(server, browser):
    post_comment(server, text="Schmal, aber lesbar: Kommentar für die Handy-Ansicht.")
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="de-DE")
    page = context.new_page()
    log_in(page, server)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    screenshot(page, "desk-375")
    page.goto(f"{server.url}/demo")
    widget_form(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    page.locator(".comments").scroll_into_view_if_needed()
    screenshot(page, "form-375")
    context.close()


def test_dashboard_shows_agreement_drift_and_model_versions(server, watched):
    marker = f"Dashboard{uuid.uuid4().hex[:8]}"
    post_comment(server, text=f"{marker}: Gut recherchiert, die Zahlen stimmen.")
    page = watched.page
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    page.keyboard.press("j")
    page.keyboard.press("a")  # a decision on a comment the model scored
    page.locator(".empty").wait_for()

    page.goto(f"{server.url}/moderation/dashboard")
    agreement = page.get_by_role("region", name="Übereinstimmung mit der Redaktion pro Woche")
    assert agreement.locator("tbody tr").count() >= 1
    drift = page.get_by_role("region", name="Score-Verteilung: neue Beiträge und Trainingsdaten")
    assert drift.locator("[data-drift-level]").count() == 1
    versions = page.get_by_role("region", name="Modellversionen")
    active = versions.locator("tbody tr", has_text="aktiv")
    assert active.count() == 1
    screenshot(page, "dashboard")

    page.get_by_role("link", name="English").click()
    assert page.get_by_role("region", name="Agreement with the moderators per week").is_visible()
    assert page.get_by_role("region", name="Model versions").locator(
        "tbody tr", has_text="active").count() == 1
