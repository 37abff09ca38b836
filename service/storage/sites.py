"""Per-site settings: the challenge mode and origin of each site that embeds the widget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from spamschutz.service.storage.records import as_utc
from spamschutz.service.storage.schema import CHALLENGE_MODES, sites
from spamschutz.service.storage.transactions import TransactionalStore

__all__ = ["SiteRow", "SiteStore"]


@dataclass(frozen=True)
class SiteRow:
    """A site's overrides of the installation's defaults."""

    name: str
    challenge: str
    origin: str | None
    updated_at: datetime


class SiteStore(TransactionalStore):
    """The sites' challenge settings (``runtime().sites``)."""

    def set_site(self, name: str, challenge: str, origin: str | None = None) -> SiteRow:
        """Create or update the site ``name``."""
        if challenge not in CHALLENGE_MODES:
            raise ValueError(f"challenge must be one of {', '.join(CHALLENGE_MODES)}")
        now = self._now()
        with self._transaction() as connection:
            existing = connection.execute(
                select(sites.c.name).where(sites.c.name == name).with_for_update()
            ).one_or_none()
            if existing is None:
                connection.execute(
                    sites.insert().values(
                        name=name, challenge=challenge, origin=origin, created_at=now,
                        updated_at=now,
                    )
                )
            else:
                values = {"challenge": challenge, "updated_at": now}
                if origin is not None:
                    values["origin"] = origin
                connection.execute(sites.update().where(sites.c.name == name).values(**values))
            row = connection.execute(select(sites).where(sites.c.name == name)).mappings().one()
        return SiteRow(row["name"], row["challenge"], row["origin"], as_utc(row["updated_at"]))

    def get_site(self, name: str) -> SiteRow | None:
        """The site ``name``, or ``None`` if it has no settings of its own."""
        with self._transaction() as connection:
            row = connection.execute(select(sites).where(sites.c.name == name)).mappings().first()
        if row is None:
            return None
        return SiteRow(row["name"], row["challenge"], row["origin"], as_utc(row["updated_at"]))

    def list_sites(self) -> list[SiteRow]:
        """Every site with settings, by name."""
        with self._transaction() as connection:
            rows = connection.execute(select(sites).order_by(sites.c.name)).mappings().all()
        return [
            SiteRow(row["name"], row["challenge"], row["origin"], as_utc(row["updated_at"]))
            for row in rows
        ]
