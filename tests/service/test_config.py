"""Configuration: environment overrides, validation, no shipped secret."""

from __future__ import annotations

import base64
import secrets

import pytest

from spamschutz.service.config import ConfigError, load_config


def test_environment_overrides_defaults(tmp_path) -> None:
    config = load_config(
        environ={"SPAMSCHUTZ_DATA_DIR": str(tmp_path), "SPAMSCHUTZ_MAX_TEXT_LENGTH": "500"}
    )
    assert config["MAX_TEXT_LENGTH"] == 500
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'spamschutz.db'}"


def test_production_refuses_to_start_without_a_secret(tmp_path) -> None:
    with pytest.raises(ConfigError, match="SPAMSCHUTZ_SECRET_KEY is required"):
        load_config(environ={"SPAMSCHUTZ_ENV": "production", "SPAMSCHUTZ_DATA_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    "weak",
    ["a", "correct horse battery staple", "x" * 64, "password" * 8, "0123456789abcdef" * 4],
)
def test_production_refuses_a_weak_secret(tmp_path, weak: str) -> None:
    """SPAMSCHUTZ_SECRET_KEY=a started in production, and doctor said OK."""
    environ = {
        "SPAMSCHUTZ_ENV": "production",
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path),
        "SPAMSCHUTZ_SECRET_KEY": weak,
    }
    with pytest.raises(ConfigError, match="SPAMSCHUTZ_SECRET_KEY is too weak for production"):
        load_config(environ=environ)


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32),
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    ],
)
def test_production_takes_32_random_bytes_in_any_usual_form(tmp_path, make_key) -> None:
    for _ in range(200):
        environ = {
            "SPAMSCHUTZ_ENV": "production",
            "SPAMSCHUTZ_DATA_DIR": str(tmp_path),
            "SPAMSCHUTZ_SECRET_KEY": make_key(),
        }
        assert load_config(environ=environ)["SECRET_KEY"] == environ["SPAMSCHUTZ_SECRET_KEY"]


def test_development_generates_a_private_secret_per_installation(tmp_path) -> None:
    first = load_config(environ={"SPAMSCHUTZ_DATA_DIR": str(tmp_path / "a")})["SECRET_KEY"]
    again = load_config(environ={"SPAMSCHUTZ_DATA_DIR": str(tmp_path / "a")})["SECRET_KEY"]
    other = load_config(environ={"SPAMSCHUTZ_DATA_DIR": str(tmp_path / "b")})["SECRET_KEY"]
    assert first == again != other
    assert len(str(first)) >= 40
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o077 == 0


def test_wrong_type_names_the_variable(tmp_path) -> None:
    with pytest.raises(ConfigError, match="SPAMSCHUTZ_MAX_TEXT_LENGTH must be a whole number"):
        load_config(
            environ={"SPAMSCHUTZ_MAX_TEXT_LENGTH": "lots", "SPAMSCHUTZ_DATA_DIR": str(tmp_path)}
        )


@pytest.mark.parametrize("name", ["RETENTION_DAYS", "SPOOL_MAX_RECORDS"])
def test_retention_and_spool_bound_must_be_positive(tmp_path, name) -> None:
    with pytest.raises(ConfigError, match=f"SPAMSCHUTZ_{name} must be positive"):
        load_config(environ={f"SPAMSCHUTZ_{name}": "0", "SPAMSCHUTZ_DATA_DIR": str(tmp_path)})
