"""docs/configuration.md's table, generated from :data:`spamschutz.service.config.DEFAULTS`.

``python -m spamschutz.service.config_reference`` prints it; a test keeps docs/configuration.md in
step.
"""

from __future__ import annotations

from spamschutz.service.config import DEFAULTS

__all__ = ["configuration_table"]


def _default(name: str, value: object) -> str:
    if value in ("", 0) and name in ("DATA_DIR", "DATABASE_URL", "MODEL_DIR", "SECRET_KEY",
                                     "WORKERS"):
        return "(see meaning)"
    if value == "":
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def configuration_table() -> str:
    """A Markdown table: every ``SPAMSCHUTZ_*`` variable, its default and its meaning."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, (default, _kind, meaning) in DEFAULTS.items():
        lines.append(f"| `SPAMSCHUTZ_{name}` | {_default(name, default)} | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(configuration_table())
