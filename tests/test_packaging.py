"""One name on install: the wheel puts ``spamschutz`` and nothing else into site-packages.

The repository keeps its folders ``model/``, ``service/`` and ``training/``; pyproject.toml
installs them as ``spamschutz.model``, ``spamschutz.service`` and ``spamschutz.training``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SETUPTOOLS = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
INSTALLED_AS = {"spamschutz": "spamschutz", **{
    name: folder for name, folder in SETUPTOOLS["package-dir"].items()
}}
# What the Dockerfile copies to build the image: the wheel is built from these alone.
BUILD_INPUTS = ["pyproject.toml", "README.md", "LICENSE", "NOTICE", "model", "service",
                "training", "spamschutz"]


def tracked_files(*folders: str) -> list[str]:
    """The files git tracks in ``folders`` (a build ships these, never a stray local file)."""
    listed = subprocess.run(
        ["git", "ls-files", "--", *folders], cwd=REPO_ROOT, check=True, capture_output=True,
        text=True,
    ).stdout.split()
    return sorted(listed)


def installed_path(repository_path: str) -> str:
    """Where a file of the repository lands in site-packages (service/x.py ->
    spamschutz/service/x.py)."""
    folder, _, rest = repository_path.partition("/")
    for name, source in INSTALLED_AS.items():
        if folder == source:
            return "/".join([*name.split("."), rest])
    raise AssertionError(f"{repository_path} is in no installed folder")


def test_every_package_folder_is_listed_under_its_installed_name() -> None:
    folders = {
        str(path.parent.relative_to(REPO_ROOT))
        for source in INSTALLED_AS.values()
        for path in (REPO_ROOT / source).rglob("__init__.py")
    }
    expected = {installed_path(f"{folder}/x").rpartition("/")[0].replace("/", ".")
                for folder in folders}
    assert sorted(SETUPTOOLS["packages"]) == sorted(expected)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the files the image is built from (an in-place build
    would pack whatever an earlier build left in build/)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        for path in tracked_files(name):
            (source / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / path, source / path)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out),
         str(source)],
        check=True, capture_output=True, timeout=600,
    )
    (built,) = out.glob("spamschutz-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed, offline; returns its site-packages.

    The dependencies come from the test environment's site-packages, named in a ``.pth``
    file after the fresh site-packages: ``spamschutz`` itself is found only in the wheel's
    files."""
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=False)
    python = root / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=600,
    )
    site_packages = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip())
    (site_packages / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return site_packages


def run_installed(site_packages: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a command of the fresh environment away from the checkout."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        command, cwd=site_packages.parent, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.slow
def test_the_wheel_installs_spamschutz_as_its_only_top_level_name(
    fresh_install: Path,
) -> None:
    (dist_info,) = fresh_install.glob("spamschutz-*.dist-info")
    assert (dist_info / "top_level.txt").read_text().split() == ["spamschutz"]
    record = [line.rpartition(",")[0].rpartition(",")[0]
              for line in (dist_info / "RECORD").read_text().splitlines()]
    top_level = {path.split("/")[0] for path in record if not path.startswith("../")}
    assert top_level == {"spamschutz", dist_info.name}
    installed = {path.name for path in fresh_install.iterdir()} - {"__pycache__"}
    assert not {"model", "service", "training"} & installed


@pytest.mark.slow
def test_the_wheel_ships_every_file_of_the_packages_code_and_data(fresh_install: Path) -> None:
    (dist_info,) = fresh_install.glob("spamschutz-*.dist-info")
    record = {line.split(",")[0] for line in (dist_info / "RECORD").read_text().splitlines()}
    shipped = [installed_path(path) for path in tracked_files(*INSTALLED_AS.values())]
    assert [path for path in shipped if path not in record] == []
    # Templates, static files, translations, corpora and the model's tables among them.
    for data in ("spamschutz/service/templates/base.html", "spamschutz/service/static/desk.js",
                 "spamschutz/service/translations/de/LC_MESSAGES/messages.mo",
                 "spamschutz/training/corpora/de_ham_alltag.jsonl",
                 "spamschutz/model/link_kinds.toml",
                 "spamschutz/service/storage/migrations/alembic.ini"):
        assert data in record


@pytest.mark.slow
def test_spamschutz_version_runs_from_the_installed_wheel(fresh_install: Path) -> None:
    script = fresh_install.parents[2] / "bin" / "spamschutz"
    done = run_installed(fresh_install, str(script), "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("spamschutz ")


@pytest.mark.slow
def test_the_installed_packages_import_from_the_wheel_and_find_their_data(
    fresh_install: Path,
) -> None:
    """Every module imports under its installed name, from the fresh site-packages, and the
    files read through importlib.resources are there (the starter corpus, the model's tables,
    the app's templates)."""
    python = fresh_install.parents[2] / "bin" / "python"
    check = """
import importlib, pkgutil, sys
import spamschutz
site = sys.argv[1]
# Not imported: __main__ runs the command line, alembic runs the migrations' env script.
names = [m.name for m in pkgutil.walk_packages(spamschutz.__path__, "spamschutz.")
         if m.name != "spamschutz.__main__"
         and not m.name.startswith("spamschutz.service.storage.migrations.")]
for name in names:
    module = importlib.import_module(name)
    assert module.__file__.startswith(site), (name, module.__file__)
from spamschutz.training.starter import starter_comments
from spamschutz.model.links import link_kind
from spamschutz.service import create_app
assert len(starter_comments()) > 1000
assert link_kind("bit.ly")
app = create_app({"TESTING": True, "SECRET_KEY": "x" * 48, "DATA_DIR": sys.argv[2],
                  "DATABASE_URL": "sqlite:///" + sys.argv[2] + "/db.sqlite"})
assert app.jinja_env.get_template("base.html")
print(len(names))
"""
    done = run_installed(fresh_install, str(python), "-c", check, str(fresh_install),
                         str(fresh_install.parent))
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 50
