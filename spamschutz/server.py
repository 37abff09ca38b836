"""Run the app under gunicorn with settings sized for this machine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from gunicorn.app.base import BaseApplication

__all__ = ["available_cpus", "gunicorn_options", "prepare_metrics_directory", "run_server"]

METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def available_cpus() -> int:
    """CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _mark_worker_dead(_server: object, worker: object) -> None:
    # A dead worker's gauges must stop counting; its counters stay in the sums.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def gunicorn_options(
    config: Mapping[str, object], host: str, port: int, workers: int | None
) -> dict[str, object]:
    """Gunicorn settings: one process per available core, a few threads each (scoring is
    CPU-bound, database waits are not), graceful shutdown and reload (SIGHUP) that let running
    requests finish while the listening socket stays open, JSON logs."""
    from service.observability import logging_config

    configured = int(config.get("WORKERS") or 0)  # type: ignore[call-overload]
    count = workers or configured or available_cpus()
    options: dict[str, object] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": count,
        "worker_class": "gthread",
        "threads": int(config.get("THREADS") or 4),  # type: ignore[call-overload]
        "timeout": 30,
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": 0,
        "errorlog": "-",
        "accesslog": None,
        "loglevel": str(config.get("LOG_LEVEL") or "INFO").lower(),
        "logconfig_dict": logging_config(
            str(config.get("LOG_LEVEL") or "INFO"), str(config.get("LOG_FORMAT") or "json")
        ),
        "child_exit": _mark_worker_dead,
        # Workers' heartbeat files on a RAM disk: a slow or full data disk must not get
        # healthy workers killed for missing heartbeats.
        **({"worker_tmp_dir": "/dev/shm"} if os.path.isdir("/dev/shm") else {}),  # noqa: S108
    }
    return options


def prepare_metrics_directory(config: Mapping[str, object]) -> Path:
    """An empty directory for the workers' metric files, exported as PROMETHEUS_MULTIPROC_DIR.

    Emptied at every start: files of a previous run's processes would be added to this run's
    figures forever. Must run before ``prometheus_client`` is imported by the app.
    """
    directory = Path(
        os.environ.get(METRICS_DIRECTORY_VARIABLE)
        or Path(str(config["DATA_DIR"])) / "prometheus-metrics"
    )
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, mode=0o700)
    os.environ[METRICS_DIRECTORY_VARIABLE] = str(directory)
    return directory


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
    """Serve until stopped (SIGTERM or Ctrl-C), with the given resolved configuration.

    SIGHUP reloads gracefully: new workers start, then the old ones finish their requests.
    """
    prepare_metrics_directory(config)
    _Server(gunicorn_options(config, host, port, workers), config).run()
