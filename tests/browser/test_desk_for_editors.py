"""What an editor sees on the German desk, in real Chromium: signals and rules in German, what
each decision does, an undo notice that covers nothing, a history that is the commenter's."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, post_comment, screenshot
from tests.browser.test_browser import fill_widget, widget_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every button, link and field on the page that is inside the viewport and not covered by
# something else at its centre.
COVERED_CONTROLS = """() => {
  const covered = [];
  for (const control of document.querySelectorAll(
      "button, a[href], input:not([type=hidden]), select, textarea, summary")) {
    const box = control.getBoundingClientRect();
    if (!box.width || !box.height || control.closest("[hidden]")) continue;
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    const top = document.elementFromPoint(x, y);
    if (top && top !== control && !control.contains(top)) {
      covered.push((control.textContent || control.name || control.tagName).trim());
    }
  }
  return covered;
}"""


def test_german_desk_shows_reasons_signals_and_rules_in_german(server, watched):
    marker = f"Sitzung{uuid.uuid4().hex[:6]}"
    # The link gives a signal reason besides the words: a text from the catalog, not a word.
    post_comment(server, text=f"{marker}: Der Stadtrat hat gut entschieden, danke für den Bericht"
                              " (https://www.stadt.example/beschluss).", author="Erika Musterfrau")
    page = watched.page
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    card = page.locator("article.card")
    signals = card.locator(".signals")
    expect(signals).to_contain_text("Spamschutz-Frage")
    expect(signals).to_contain_text("richtig beantwortet")
    expect(signals).to_contain_text("Sek.")
    reasons = card.locator(".reasons")
    expect(reasons.locator("li").first).to_contain_text(r"spricht")
    # The reasons themselves in German too, written from their codes, not the stored English.
    # Words are quoted the German way („bericht“), not the English (“bericht”).
    expect(reasons).to_contain_text("Links auf fremde Websites")
    expect(reasons).to_contain_text("„")
    for english in ("links to other websites", "link to ", "\u201d"):
        assert english not in reasons.text_content()
    for raw in ("passed", "not_asked", "too_fast", "score_unsure", "score_spam", " ham:",
                " spam:"):
        assert raw not in card.text_content()
    screenshot(page, "desk-german-card")


def test_each_decision_says_what_it_does_and_what_it_teaches(server, watched):
    marker = f"Knoepfe{uuid.uuid4().hex[:6]}"
    post_comment(server, text=f"{marker}: Die Ampel an der Schule fehlt noch immer.")
    page = watched.page
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    card = page.locator("article.card")
    expected = {
        "Freigeben": "veröffentlichen · lehrt „kein Spam“",
        "Kein Spam": "veröffentlichen · lehrt „kein Spam“: das Modell irrte",
        "Ablehnen": "nicht veröffentlichen · lehrt nichts",
        "Spam": "Spam-Ordner · lehrt „Spam“",
    }
    for label, effect in expected.items():
        button = card.locator(f"form.decision button:text-is('{label}')")
        expect(button).to_have_accessible_description(re.compile(re.escape(effect)))
        assert effect in button.locator("xpath=..").text_content()


def test_undo_notice_never_covers_a_control(server, watched):
    marker = f"Verdeckt{uuid.uuid4().hex[:6]}"
    for number in range(4):
        post_comment(server, text=f"{marker} {number}: Bitte mehr Busse am Wochenende.")
    page = watched.page
    page.set_viewport_size({"width": 1440, "height": 1000})
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    page.locator("article.card").first.get_by_role("button", name="Freigeben").click()
    notice = page.locator("[data-toast]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("freigegeben")
    # One call walks the whole page: the undo window is a few seconds, and a round trip per
    # scroll offset outlasted it on a busy machine.
    covered = page.evaluate(f"""() => {{
      const coveredControls = {COVERED_CONTROLS};
      const found = [];
      for (let offset = 0; offset < document.documentElement.scrollHeight; offset += 25) {{
        window.scrollTo(0, offset);
        for (const name of coveredControls()) found.push(`${{name}} at scroll offset ${{offset}}`);
      }}
      window.scrollTo(0, 0);
      return found;
    }}""")
    assert covered == []
    expect(notice.get_by_role("button", name="Rückgängig")).to_be_visible()
    screenshot(page, "desk-undo-notice")
    # The undo still works from the notice.
    notice.get_by_role("button", name="Rückgängig").click()
    page.wait_for_load_state()
    expect(page.locator("article.card")).to_have_count(4)


def test_history_is_the_commenters_own_and_a_shared_address_only_a_hint(server, watched):
    marker = f"Haushalt{uuid.uuid4().hex[:6]}"
    # Both come from 127.0.0.1, like readers behind one proxy.
    post_comment(server, text=f"{marker} Viagra billig kaufen, schneller Versand!",
                 author="Pillen Paul", email="spam@example.net")
    post_comment(server, text=f"{marker} Endlich sichere Radwege für die Kinder.",
                 author="Leserin Lena", email="lena@example.org")
    page = watched.page
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}+Endlich")
    card = page.locator("article.card", has_text="Leserin Lena")
    history = card.locator(".card__more")
    expect(history.locator("summary")).to_contain_text("gleicher E-Mail-Adresse (0)")
    assert "Viagra" not in history.text_content()
    expect(history.locator("[data-same-address]")).to_contain_text("Schwacher Hinweis")


def test_wrong_answer_then_a_quick_right_one_is_not_too_fast(server, watched):
    watched.expected = ("status of 422",)
    marker = f"Zweiter{uuid.uuid4().hex[:6]}"
    page = watched.page
    page.goto(f"{server.url}/demo")
    widget_form(page)
    fill_widget(page, f"{marker}: Ich habe mich beim Rechnen vertan.", "99")
    time.sleep(3.5)  # a reader who takes a while to write, longer than MIN_SUBMIT_SECONDS
    page.get_by_role("button", name="Kommentar absenden").click()
    page.locator(".ssz-message--error").wait_for()
    page.locator("input[name=challenge_answer]").fill("7")  # right away this time
    page.get_by_role("button", name="Kommentar absenden").click()
    page.locator(".ssz-message--success").wait_for()
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    too_fast = page.locator("article.card .signals__item", has_text="Zu schnell")
    expect(too_fast.locator("dd")).to_have_text("nein")


def test_desk_shows_the_article_a_comment_belongs_to(server, sites, watched):
    allowed, _ = sites
    marker = f"Bruecke{uuid.uuid4().hex[:6]}"
    page = watched.page
    page.goto(allowed.url)
    widget_form(page)
    fill_widget(page, f"{marker}: Glad the bridge is open again.", "7", author="Sam")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".ssz-message--success").wait_for()
    log_in(page, server)
    page.goto(f"{server.url}/moderation/?q={marker}")
    article = page.locator("article.card .card__article")
    expect(article).to_have_text("Riverside Gazette")
    assert article.get_attribute("href") == allowed.url
    assert "noopener" in article.get_attribute("rel")
