"""The detection's settings: the site's own domains are never grouped by, bad values refused."""

from __future__ import annotations

import pytest

from spamschutz.service.campaigns.settings import common_domains
from spamschutz.service.config import ConfigError, load_config


def test_the_sites_own_domains_are_common_domains():
    config = {"CAMPAIGN_COMMON_DOMAINS": "www.Example.com, partner.org",
              "SITE_DOMAINS": "derstandard.at shop.derstandard.at"}
    assert common_domains(config) == {"example.com", "partner.org", "derstandard.at"}


@pytest.mark.parametrize("name, value", [
    ("CAMPAIGN_WINDOW_DAYS", "0"), ("CAMPAIGN_SIMILARITY", "1.5"),
    ("CAMPAIGN_MIN_MEMBERS", "1"), ("CAMPAIGN_BURST_THREADS", "1"),
])
def test_settings_the_detection_cannot_use_are_refused_at_start(tmp_path, name, value):
    with pytest.raises(ConfigError, match=f"SPAMSCHUTZ_{name}"):
        load_config({"DATA_DIR": str(tmp_path), name: value}, environ={})
