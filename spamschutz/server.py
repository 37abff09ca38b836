"""Run the app under gunicorn with settings sized for this machine."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

__all__ = [
    "WsgiServer",
    "available_cpus",
    "base_url",
    "gunicorn_options",
    "prepare_metrics_directory",
    "run_server",
    "startup_message",
    "worker_options",
]

METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# How long a thread may hold the GIL while others wait for it (Python's default: 5 ms). A
# request thread back from a socket or database call waits up to this long behind a thread
# that is scoring; shorter turns keep that wait, which adds up over several such calls per
# request, small.
SWITCH_INTERVAL_SECONDS = 0.001
DEFAULT_THREADS = 4


def available_cpus() -> int:
    """CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _AppLogsRequests(Logger):
    """gunicorn's logger without gunicorn's access log.

    The app logs each request itself (with its id, without the query string), and the
    logging configuration drops ``gunicorn.access``; without this, gunicorn would still
    gather its access fields for every request only to throw them away.
    """

    def _compute_access_log_enabled(self) -> bool:
        return False


def _start_worker(worker: object) -> None:
    # Log lines are written by a thread of their own, so request threads never wait for the
    # handler's lock (see spamschutz.service.observability.background_logs). Started here, in
    # the worker: a thread started in the master would not survive the fork.
    from spamschutz.service.observability.background_logs import log_in_background

    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    worker.log_writer = log_in_background()  # type: ignore[attr-defined]


def _stop_worker(_server: object, worker: object) -> None:
    # Writes the lines still queued before the worker process ends.
    writer = getattr(worker, "log_writer", None)
    if writer is not None:
        writer.stop()


def _mark_worker_dead(_server: object, worker: object) -> None:
    # A dead worker's gauges must stop counting; its counters stay in the sums.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def worker_options(host: str, port: int, workers: int, threads: int) -> dict[str, object]:
    """How requests are served, apart from the app: gthread workers, their threads and GIL
    switch interval, timeouts, keep-alive. ``bench/bare_app.py`` is served with the same, so
    the benchmark compares the apps and nothing else."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": 0,
        "logger_class": _AppLogsRequests,
        "post_worker_init": _start_worker,
        "worker_exit": _stop_worker,
        # Workers' heartbeat files on a RAM disk: a slow or full data disk must not get
        # healthy workers killed for missing heartbeats.
        **({"worker_tmp_dir": "/dev/shm"} if os.path.isdir("/dev/shm") else {}),  # noqa: S108
    }


def base_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server listening on ``host``."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 (naming the "every interface" case)
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def startup_message(config: Mapping[str, object], host: str, port: int) -> tuple[str, dict]:
    """What ``serve`` says once it listens: where, which pages to open, where the data is;
    and the same as fields for a JSON log line."""
    url = base_url(host, port)
    reach = (
        "this computer only; --host 0.0.0.0 to serve the network"
        if host in ("127.0.0.1", "localhost", "::1")
        else "every network interface"
        if host in ("0.0.0.0", "::")  # noqa: S104
        else host
    )
    fields = {"url": url, "demo": f"{url}/demo", "desk": f"{url}/moderation",
              "data_dir": str(config.get("DATA_DIR", ""))}
    text = "\n".join([
        f"spamschutz is ready at {url} ({reach})",
        f"  demo page:       {fields['demo']}",
        f"  moderation desk: {fields['desk']}  (first: spamschutz moderators add NAME)",
        f"  data:            {fields['data_dir']}",
        "Stop with Ctrl-C.",
    ])
    return text, fields


def _announcer(config: Mapping[str, object], host: str, port: int) -> Callable[[object], None]:
    def when_ready(server: object) -> None:
        # Called by gunicorn's master once the socket listens: the address is real now, and
        # with port 0 only the socket knows which port the system gave it.
        listeners = getattr(server, "LISTENERS", None) or []
        bound = listeners[0].sock.getsockname()[1] if listeners and not port else port
        text, fields = startup_message(config, host, bound)
        logging.getLogger("spamschutz.serve").info(text, extra=fields)

    return when_ready


def gunicorn_options(
    config: Mapping[str, object], host: str, port: int, workers: int | None
) -> dict[str, object]:
    """Gunicorn settings: one process per available core, a few threads each (scoring is
    CPU-bound, database waits are not), graceful shutdown and reload (SIGHUP) that let running
    requests finish while the listening socket stays open, JSON logs."""
    from spamschutz.service.observability import logging_config

    configured = int(config.get("WORKERS") or 0)  # type: ignore[call-overload]
    count = workers or configured or available_cpus()
    threads = int(config.get("THREADS") or DEFAULT_THREADS)  # type: ignore[call-overload]
    return {
        **worker_options(host, port, count, threads),
        "errorlog": "-",
        "accesslog": None,
        "loglevel": str(config.get("LOG_LEVEL") or "INFO").lower(),
        "logconfig_dict": logging_config(
            str(config.get("LOG_LEVEL") or "INFO"), str(config.get("LOG_FORMAT") or "auto")
        ),
        "child_exit": _mark_worker_dead,
        "when_ready": _announcer(config, host, port),
    }


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


class WsgiServer(BaseApplication):
    """gunicorn serving the app that ``load_app`` returns (called in each worker)."""

    def __init__(self, options: Mapping[str, object], load_app: Callable[[], object]) -> None:
        self.options = dict(options)
        self.load_app = load_app
        super().__init__()

    def load_config(self) -> None:
        """Apply ``options`` to gunicorn's configuration."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The WSGI app."""
        return self.load_app()


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
    overrides = dict(config)
    # The scorer's code (scikit-learn, numpy, nltk) is imported once here, before the workers
    # fork: they share its pages. Imported by each worker instead, it cost every worker 26 MB
    # more resident memory (216 against 190 MB after load) and started no sooner.
    from spamschutz import model  # noqa: F401

    def load_app():
        from spamschutz.service import create_app

        return create_app(overrides)

    WsgiServer(gunicorn_options(config, host, port, workers), load_app).run()
