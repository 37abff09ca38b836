"""Run the app under gunicorn with settings sized for this machine."""

from __future__ import annotations

import os
from collections.abc import Mapping

from gunicorn.app.base import BaseApplication

__all__ = ["gunicorn_options", "run_server"]


def gunicorn_options(
    config: Mapping[str, object], host: str, port: int, workers: int | None
) -> dict[str, object]:
    """Gunicorn settings: one process per core, a few threads each (scoring is CPU-bound,
    database waits are not), graceful shutdown that lets running requests finish."""
    configured = int(config.get("WORKERS") or 0)  # type: ignore[call-overload]
    count = workers or configured or os.cpu_count() or 1
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": count,
        "worker_class": "gthread",
        "threads": int(config.get("THREADS") or 4),  # type: ignore[call-overload]
        "timeout": 30,
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": 0,
        "errorlog": "-",
        "loglevel": "info",
    }


class _Server(BaseApplication):
    def __init__(self, options: Mapping[str, object], overrides: Mapping[str, object]) -> None:
        self.options = dict(options)
        self.overrides = dict(overrides)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from service import create_app

        return create_app(self.overrides)


def run_server(
    config: Mapping[str, object],
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
) -> None:
    """Serve until stopped (SIGTERM or Ctrl-C), with the given resolved configuration."""
    _Server(gunicorn_options(config, host, port, workers), config).run()
