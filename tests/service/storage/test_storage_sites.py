"""Each site's challenge mode and origin, on every backend: what the challenge-mode rules
read when a request names its site."""

from __future__ import annotations

import pytest


def test_a_site_is_stored_changed_and_listed_by_name(stores, clock):
    assert stores.sites.get_site("forum") is None
    first = stores.sites.set_site("forum", "never", origin="https://forum.example")
    stores.sites.set_site("blog", "always")
    clock.advance(minutes=5)
    changed = stores.sites.set_site("forum", "unsure")
    assert changed.challenge == "unsure"
    assert changed.origin == "https://forum.example"  # kept when not given again
    assert changed.updated_at > first.updated_at
    assert stores.sites.get_site("forum") == changed
    assert [site.name for site in stores.sites.list_sites()] == ["blog", "forum"]


def test_a_mode_the_service_does_not_know_is_refused_and_nothing_stored(stores):
    with pytest.raises(ValueError, match="challenge must be one of"):
        stores.sites.set_site("forum", "sometimes")
    assert stores.sites.get_site("forum") is None
