"""The first model of an installation: one baked into the image, or the starter model trained.

A container image carries a starter model built at image build time (``SPAMSCHUTZ_BAKED_MODEL_
DIR``, read-only, owned by root). Registering it takes a second and needs no network and no
training, and every instance of one image registers the same version with the same hash, so
several instances starting at once against one PostgreSQL agree on it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import click

from spamschutz.context import Context

__all__ = ["baked_model", "ensure_active_model"]


def baked_model(directory: str | Path) -> tuple[str, Path, str, dict[str, object]] | None:
    """The newest ``<version>/model.joblib`` in ``directory`` with its recorded SHA-256 and
    metadata, or ``None`` when there is none. :class:`click.ClickException` when its content
    does not match the hash recorded beside it at build time."""
    # Imported here: importing ``model`` loads scikit-learn (1.5 s), which ``spamschutz models
    # bootstrap`` (run before every deploy) needs for nothing when a model is active already.
    from spamschutz.model import file_sha256

    root = Path(directory)
    candidates = sorted(path for path in root.glob("*/model.joblib") if path.is_file())
    if not candidates:
        return None
    artefact = candidates[-1]
    metadata = json.loads((artefact.parent / "meta.json").read_text())
    sha256 = str(metadata.get("sha256") or "")
    if file_sha256(artefact) != sha256:
        raise click.ClickException(
            f"The baked model {artefact} does not match its recorded SHA-256; rebuild the image."
        )
    return artefact.parent.name, artefact, sha256, metadata


def ensure_active_model(context: Context) -> None:
    """Activate the baked model, or train the starter model, unless a model is active."""
    from spamschutz.service.storage import ConflictError

    catalog = context.stores.models
    active = catalog.active_model()
    if active is not None:
        click.echo(f"Model {active.version} is already active.", err=True)
        return
    baked_directory = str(context.config.get("BAKED_MODEL_DIR") or "")
    baked = baked_model(baked_directory) if baked_directory else None
    if baked is None:
        click.echo(
            "No active model yet: training the starter model (about half a minute)…", err=True
        )
        stored = context.train_and_store(context.starter_comments(), promote=True)
        click.echo(f"Starter model {stored.version} is active.", err=True)
        return
    version, artefact, sha256, metadata = baked
    target = Path(str(context.config["MODEL_DIR"])) / version
    if not (target / "model.joblib").exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(artefact.parent / "meta.json", target / "meta.json")
        partial = target / "model.joblib.partial"
        shutil.copyfile(artefact, partial)
        partial.replace(target / "model.joblib")
    # Another instance of the same image may have registered it first.
    with contextlib.suppress(ConflictError):
        catalog.record_model(version, sha256, str(target / "model.joblib"), metadata)
    catalog.activate_model(version)
    click.echo(f"Baked starter model {version} is active.", err=True)
