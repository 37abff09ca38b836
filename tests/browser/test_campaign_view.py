"""The campaign view in real Chromium: from a member's badge to the campaign, what its
members share, deciding all of them and taking it back."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser_server, log_in, post_comment, screenshot
from tests.browser.test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, site_ports):
    """A server of its own: the other browser tests post from the same address into many
    articles, one sender's burst, and these comments would join that campaign."""
    with browser_server(tmp_path_factory, site_ports) as running:
        yield running


def test_a_moderator_follows_the_badge_decides_the_campaign_and_undoes_it(server, watched):
    marker = uuid.uuid4().hex[:6]
    phone = f"0151 {int(marker, 16) % 10**8:08d}"
    for n in range(3):
        post_comment(server, thread_id=f"kampagne-{marker}-{n}", author=f"Anbieter {n}",
                     text=f"Wer mehr über die Wohnung wissen will, ruft mich bitte an: {phone}"
                          f" (Anzeige {marker}-{n})")
    page = watched.page
    log_in(page, server)
    # Other tests share the server and post campaigns of their own: this one's is found by its
    # marker.
    page.goto(f"{server.url}/moderation/?q={marker}&campaign=1")
    badge = page.locator("[data-campaign-badge]").first
    expect(badge).to_have_text("Teil einer Kampagne (3 Beiträge, 3 Artikel)")
    badge.click()
    expect(page.locator("[data-campaign-title]")).to_have_text(
        "Teil einer Kampagne (3 Beiträge, 3 Artikel)")
    expect(page.locator("[data-share=phones]")).to_contain_text(phone.replace(" ", ""))
    expect(page.locator("tr[data-member]")).to_have_count(3)
    expect(page.locator("[data-timeline] tbody tr")).to_have_count(1)
    screenshot(page, "desk-campaign-view")
    assert serious_violations(page) == []

    page.click("[data-campaign-action=spam]")
    expect(page.locator(".flash--success")).to_contain_text("3 Beiträge in den Spam-Ordner")
    expect(page.locator("tr[data-member][data-status=spam]")).to_have_count(3)
    expect(page.locator("[data-campaign-state]")).to_contain_text("Spam-Ordner")

    page.click("[data-campaign-action=undo]")
    expect(page.locator(".flash--success")).to_contain_text("3 Beiträge zurück")
    expect(page.locator("tr[data-member][data-status=pending]")).to_have_count(3)
