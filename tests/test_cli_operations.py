"""``spamschutz doctor``, ``backup`` and registering a model baked into the image."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from spamschutz.cli import main


def test_doctor_reports_each_check_ok_on_a_healthy_installation(runner) -> None:
    result = runner("doctor")
    assert result.exit_code == 0, result.output
    for name in ("secret key", "database URL", "database", "Redis", "model", "spool"):
        assert f"OK    {name}:" in result.output
    assert "All checks passed." in result.output


def test_doctor_fails_and_says_what_to_fix_for_an_unmigrated_database(
    app_config, tmp_path: Path
) -> None:
    env = {
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path / "fresh"),
        "SPAMSCHUTZ_SECRET_KEY": "s" * 40,
        "SPAMSCHUTZ_MODEL_DIR": str(app_config["MODEL_DIR"]),
    }
    result = CliRunner().invoke(main, ["doctor"], env=env)
    assert result.exit_code == 1
    assert "FAIL  database:" in result.output
    assert "fix: run 'spamschutz db upgrade'" in result.output


def test_doctor_fails_on_a_bad_setting(tmp_path: Path) -> None:
    env = {"SPAMSCHUTZ_DATA_DIR": str(tmp_path), "SPAMSCHUTZ_ENV": "production"}
    result = CliRunner().invoke(main, ["doctor"], env=env)
    assert result.exit_code == 1
    assert "FAIL  configuration: SPAMSCHUTZ_SECRET_KEY is required" in result.output


def test_doctor_fails_on_a_weak_production_secret(tmp_path: Path) -> None:
    env = {
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path),
        "SPAMSCHUTZ_ENV": "production",
        "SPAMSCHUTZ_SECRET_KEY": "a",
    }
    result = CliRunner().invoke(main, ["doctor"], env=env)
    assert result.exit_code == 1
    assert "FAIL  configuration: SPAMSCHUTZ_SECRET_KEY is too weak for production" in result.output


def test_backup_writes_a_consistent_sqlite_copy(runner, app_config, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    result = runner("backup", "--output", str(target))
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM model_versions").fetchone()[0] >= 1
    assert target.stat().st_mode & 0o077 == 0


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    env = {
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path),
        "SPAMSCHUTZ_SECRET_KEY": "s" * 40,
        "SPAMSCHUTZ_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    result = CliRunner().invoke(main, ["backup"], env=env)
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_bootstrap_registers_the_baked_model_instead_of_training(
    tiny_model, tmp_path: Path
) -> None:
    baked = tmp_path / "baked"
    shutil.copytree(tiny_model.path.parent, baked / tiny_model.version)
    env = {
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path / "data"),
        "SPAMSCHUTZ_SECRET_KEY": "s" * 40,
        "SPAMSCHUTZ_BAKED_MODEL_DIR": str(baked),
    }
    result = CliRunner().invoke(main, ["models", "bootstrap"], env=env)
    assert result.exit_code == 0, result.output
    assert f"Baked starter model {tiny_model.version} is active." in result.output
    assert (tmp_path / "data" / "models" / tiny_model.version / "model.joblib").exists()


def test_a_tampered_baked_model_is_refused(tiny_model, tmp_path: Path) -> None:
    baked = tmp_path / "baked"
    shutil.copytree(tiny_model.path.parent, baked / tiny_model.version)
    with (baked / tiny_model.version / "model.joblib").open("ab") as handle:
        handle.write(b"tampered")
    env = {
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path / "data"),
        "SPAMSCHUTZ_SECRET_KEY": "s" * 40,
        "SPAMSCHUTZ_BAKED_MODEL_DIR": str(baked),
    }
    result = CliRunner().invoke(main, ["models", "bootstrap"], env=env)
    assert result.exit_code != 0 and "does not match its recorded SHA-256" in result.output
