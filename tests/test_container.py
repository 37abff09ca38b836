"""The container image's recipe, and the virtual environment it builds, without Docker."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()


def _stages() -> dict[str, str]:
    parts = re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].split(" AS ")[1].strip(): part for part in parts}


def _copied_sources() -> list[str]:
    build = _stages()["build"]
    sources: list[str] = []
    for line in build.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            sources += line.split()[1:-1]
    return sources


def test_dockerfile_builds_a_venv_in_one_stage_and_runs_it_in_a_slim_one() -> None:
    stages = _stages()
    assert list(stages) == ["build", "runtime"]
    assert all(stage.startswith("python:3.11-slim ") for stage in stages.values())
    assert "python -m venv /opt/venv" in stages["build"]
    assert "COPY --from=build /opt/venv /opt/venv" in stages["runtime"]
    assert "pip install" not in stages["runtime"]  # nothing fetched in the runtime stage


def test_runtime_runs_as_a_non_root_user_with_healthcheck_and_serve_entry_point() -> None:
    runtime = _stages()["runtime"]
    user = re.search(r"^USER (\S+)", runtime, flags=re.MULTILINE)
    assert user and user.group(1) not in ("root", "0")
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
    assert 'ENTRYPOINT ["spamschutz"]' in runtime and 'CMD ["serve"]' in runtime
    assert "SPAMSCHUTZ_HOST=0.0.0.0" in runtime  # configured by environment, no flags needed


def test_starter_model_is_baked_at_build_time_and_registered_at_run_time() -> None:
    stages = _stages()
    assert "spamschutz models bootstrap" in stages["build"]
    assert "COPY --from=build /opt/spamschutz/model /opt/spamschutz/model" in stages["runtime"]
    assert "SPAMSCHUTZ_BAKED_MODEL_DIR=/opt/spamschutz/model" in stages["runtime"]


def test_dockerfile_copies_every_package_the_project_installs() -> None:
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    # The folders the packages are built from (model/ is installed as spamschutz.model).
    folders = {"spamschutz", *project["tool"]["setuptools"]["package-dir"].values()}
    assert folders <= set(_copied_sources())
    # pyproject.toml's license-files: the build fails without them.
    assert {"pyproject.toml", "README.md", "LICENSE", "NOTICE"} <= set(_copied_sources())


def test_compose_runs_migrations_once_before_instances_on_postgres_and_redis() -> None:
    compose = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate"} <= set(services)
    assert services["migrate"]["command"] == ["db", "upgrade"]
    instances = [name for name, service in services.items() if service.get("command") == ["serve"]]
    assert len(instances) >= 2
    for name in instances:
        environment = services[name]["environment"]
        assert environment["SPAMSCHUTZ_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["SPAMSCHUTZ_REDIS_URL"].startswith("redis://")
        assert environment["SPAMSCHUTZ_AUTO_MIGRATE"] == "never"
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.slow
def test_the_images_virtualenv_builds_from_exactly_the_copied_files(tmp_path: Path) -> None:
    """What the build stage does, minus Docker: a fresh venv, ``pip install .`` from a clean
    copy of the files the Dockerfile copies, then the commands the image runs."""
    source = tmp_path / "src"
    source.mkdir()
    for name in _copied_sources():
        origin = REPO_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "."]
    subprocess.run(pip, cwd=source, check=True, timeout=600)
    spamschutz = str(venv / "bin" / "spamschutz")
    assert (
        "serve"
        in subprocess.run([spamschutz, "--help"], check=True, capture_output=True, text=True).stdout
    )
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "SPAMSCHUTZ_DATA_DIR": str(tmp_path / "bake"),
        "SPAMSCHUTZ_MODEL_DIR": str(tmp_path / "baked-model"),
    }
    subprocess.run(
        [spamschutz, "models", "bootstrap"], env=env, check=True, capture_output=True, timeout=300
    )
    assert list((tmp_path / "baked-model").glob("*/model.joblib"))
    # The compiled catalogs ship with the package: the desk speaks German when installed.
    python = str(venv / "bin" / "python")
    said = subprocess.run(
        [python, "-c", "from spamschutz.service.i18n import translate; "
         "print(translate('queue.pending', 'de'))"],
        cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    assert said.strip() == "Zu prüfen"
