"""Configuration in one place: defaults, ``SPAMSCHUTZ_*`` environment overrides, validation.

Every setting has a name ``X`` here and an environment variable ``SPAMSCHUTZ_X``. Tests and
embedding code pass a mapping to :func:`load_config` (through ``create_app(config)``), which
wins over the environment.
"""

from __future__ import annotations

import math
import os
import secrets
import zlib
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_data_dir

__all__ = [
    "DEFAULTS",
    "SECRET_KEY_MIN_BITS",
    "ConfigError",
    "ensure_secret_key",
    "load_config",
    "secret_key_problem",
]


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable to fix."""


# name -> (default, type, meaning). docs/configuration.md's table is generated from the meanings.
DEFAULTS: dict[str, tuple[object, type, str]] = {
    "ENV": (
        "development",
        str,
        "'production' refuses to start without an explicit SECRET_KEY of 32 random bytes or more",
    ),
    "DATA_DIR": (
        "",
        str,
        "directory for the SQLite file, models and the generated secret; default: the user's "
        "data directory (~/.local/share/spamschutz on Linux, ~/Library/Application Support/"
        "spamschutz on macOS), whatever the current directory",
    ),
    "DATABASE_URL": ("", str, "SQLAlchemy URL; default: an SQLite file in DATA_DIR"),
    "SECRET_KEY": (
        "",
        str,
        "signs sessions and challenge tokens; generated into DATA_DIR if unset",
    ),
    "MODEL_DIR": ("", str, "directory of model artefacts; default: DATA_DIR/models"),
    "MODEL_REFRESH_SECONDS": (
        5.0,
        float,
        "how often an instance checks for a newly active model (switching takes this plus "
        "loading); on PostgreSQL an activation is also announced, and loaded at once",
    ),
    "QUESTIONS": (
        "",
        str,
        "JSON file with the site's own challenge questions, asked beside the generated ones",
    ),
    "OWN_QUESTIONS_SHARE": (
        0.5,
        float,
        "the part of the questions drawn from QUESTIONS when it is set (0 to 1); the rest are "
        "generated",
    ),
    "CHALLENGE_TTL_SECONDS": (1800, int, "how long a challenge question stays valid"),
    "MIN_SUBMIT_SECONDS": (
        3.0,
        float,
        "a submission faster than this after the question is a bot signal",
    ),
    "SITE_DOMAINS": (
        "",
        str,
        "the site's own domains, comma-separated (zeitung.example, www.zeitung.example): links "
        "to them count as links to a reference site, at scoring and at training",
    ),
    "MAX_TEXT_LENGTH": (10_000, int, "longest comment text accepted, in characters"),
    "MAX_BODY_BYTES": (65_536, int, "largest request body accepted"),
    "DEFAULT_LANG": ("de", str, "language of messages when the request does not say (de or en)"),
    "PROMISE_HOURS": (24, int, "hours within which every comment gets a decision"),
    "REDIS_URL": ("", str, "Redis for shared rate limits and challenge tokens (optional)"),
    "REDIS_KEY_PREFIX": (
        "spamschutz",
        str,
        "prefix of every Redis key, so several installations can share one Redis",
    ),
    "TRUSTED_PROXIES": (0, int, "number of reverse proxies whose X-Forwarded-For is trusted"),
    "IPV6_NETWORK_PREFIX": (
        64,
        int,
        "an IPv6 client is its network of this many bits, for rate limits and address hashes "
        "(an IPv4 client is its address)",
    ),
    "MAX_WORD_LENGTH": (
        200,
        int,
        "longest run of characters without a space in a comment (breaks layouts, hides spam)",
    ),
    "CHALLENGE_MAX_WRONG_ANSWERS": (
        3,
        int,
        "wrong answers one question accepts; then the reader must answer a new question",
    ),
    "RATE_LIMIT_WRONG_ANSWERS": (
        "10 per 15 minutes",
        str,
        "wrong answers one client address may give before it has to wait",
    ),
    "RATE_LIMIT_CHALLENGES": ("60 per minute", str, "questions one client address may fetch"),
    "RATE_LIMIT_COMMENTS": ("10 per minute", str, "comments one client address may submit"),
    "RATE_LIMIT_LOGIN": (
        "10 per 15 minutes",
        str,
        "failed moderator logins from one client address",
    ),
    "RATE_LIMIT_LOGIN_ACCOUNT": (
        "10 per 15 minutes",
        str,
        "failed logins for one moderator name, from any address; past it, only addresses "
        "that have not failed on that name may try",
    ),
    "HOST": ("127.0.0.1", str, "address 'spamschutz serve' listens on (0.0.0.0: all)"),
    "PORT": (8000, int, "port 'spamschutz serve' listens on"),
    "WORKERS": (0, int, "gunicorn worker processes; 0 means one per CPU core"),
    "THREADS": (4, int, "threads per gunicorn worker"),
    "AUTO_MIGRATE": (
        "sqlite",
        str,
        "whether 'spamschutz serve' upgrades the schema: 'sqlite' (only the embedded SQLite "
        "file), 'always' or 'never' (run 'spamschutz db upgrade' yourself)",
    ),
    "BAKED_MODEL_DIR": (
        "",
        str,
        "directory of a model built into the image; registered instead of training one",
    ),
    "STREAMING_ABOVE": (
        200_000,
        int,
        "'spamschutz train' learns from --data files with more labelled comments than this "
        "chunk by chunk (hashed features), in bounded memory",
    ),
    "METRICS_TOKEN": (
        "",
        str,
        "bearer token for /metrics from other hosts; without it only loopback may scrape",
    ),
    "LOG_LEVEL": ("INFO", str, "DEBUG, INFO, WARNING or ERROR"),
    "LOG_FORMAT": (
        "auto",
        str,
        "'json' (one object per line), 'text', or 'auto': text on a terminal, JSON otherwise",
    ),
    "RETENTION_DAYS": (
        30,
        int,
        "days after which 'spamschutz purge' deletes spam and rejected comments",
    ),
    "CAMPAIGN_DETECTION": (
        True,
        bool,
        "recognise campaigns (near-identical texts, shared links, phone numbers, e-mails, one "
        "sender's bursts) a moment after intake, in the background; a moderator's spam "
        "decision on one member sweeps them",
    ),
    "CAMPAIGN_WINDOW_DAYS": (
        14.0,
        float,
        "how many days back a new comment is compared with earlier ones for campaigns",
    ),
    "CAMPAIGN_SIMILARITY": (
        0.35,
        float,
        "estimated share of common 5-letter shingles from which two texts are near-identical "
        "(0 to 1)",
    ),
    "CAMPAIGN_MIN_MEMBERS": (3, int, "comments a campaign needs before it is recognised"),
    "CAMPAIGN_BURST_MINUTES": (
        10.0,
        float,
        "comments of one sender (address or e-mail hash) in other threads within these "
        "minutes are a burst",
    ),
    "CAMPAIGN_BURST_THREADS": (
        4,
        int,
        "threads a sender's burst must reach to be recognised as a campaign on its own",
    ),
    "CAMPAIGN_COMMON_DOMAINS": (
        "",
        str,
        "comma-separated domains never to group comments by, beside the built-in reference "
        "sites (the site's own domain, say)",
    ),
    "SPOOL_REPLAY_SECONDS": (
        5.0,
        float,
        "how often an instance replays comments spooled while the database was down; 0: never",
    ),
    "ALLOWED_ORIGINS": (
        "",
        str,
        "comma-separated origins (https://www.example.de) of the sites that embed the comment "
        "widget; only they may call the public API from their pages",
    ),
    "SPOOL_MAX_RECORDS": (
        10_000,
        int,
        "most comments the spool keeps while the database is down; beyond that, 503",
    ),
    "CHALLENGE_MODE": (
        "always",
        str,
        "when readers get a question: always, unsure (only when the model is unsure) or never; "
        "'spamschutz sites set' overrides it per site",
    ),
    "AKISMET_DISCARD_MARGIN": (
        0.1,
        float,
        "an Akismet check this far above the spam threshold is answered 'discard' (blatant spam)",
    ),
    "WEBHOOK_DELIVERY_SECONDS": (
        5.0,
        float,
        "how often an instance looks for due webhook deliveries; 0: only 'spamschutz webhooks "
        "deliver' sends them",
    ),
    "WEBHOOK_MAX_ATTEMPTS": (8, int, "attempts of a webhook delivery before it is marked failed"),
    "WEBHOOK_RETRY_SECONDS": (
        30.0,
        float,
        "wait before the first retry of a webhook; it doubles with every further attempt",
    ),
    "WEBHOOK_TIMEOUT_SECONDS": (5.0, float, "how long a webhook receiver may take to answer"),
    "WEBHOOK_ALLOWED_NETWORKS": (
        "",
        str,
        "comma-separated networks (10.1.2.0/24) webhooks may go to although they are private or "
        "local; every other such address is refused",
    ),
}

_TRUE = {"1", "true", "yes", "on"}
_KIND_NAMES = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def _coerce(name: str, value: object, kind: type) -> object:
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    try:
        if kind is bool:
            return str(value).strip().lower() in _TRUE
        return kind(value)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"SPAMSCHUTZ_{name} must be {_KIND_NAMES[kind]}, got {value!r}"
        ) from error


def ensure_secret_key(data_dir: str | os.PathLike[str]) -> str:
    """Read the installation's secret from ``DATA_DIR/secret_key``, creating it on first use.

    A secret generated per installation (file mode 0600) instead of a shipped default: two
    installations never share a key, and nobody can forge tokens from the source code.
    """
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


# What a production secret must carry: 32 random bytes, as many as the HMACs it keys.
SECRET_KEY_MIN_BITS = 256
_ALPHABETS = (
    (frozenset("0123456789abcdefABCDEF"), 4.0),  # hex (in either case)
    (frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/="), 6.0),
    (frozenset(chr(code) for code in range(0x20, 0x7F)), math.log2(95)),  # printable ASCII
)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign and key everything in production, or ``None``.

    A key's entropy cannot be read off it, only bounded: at most its length times the bits a
    character of its alphabet carries (hex 4, base64 6, printable ASCII 6.6), which must reach
    :data:`SECRET_KEY_MIN_BITS`; and a key made of a few characters or a repeated pattern
    (``aaaa…``, ``password`` eight times) compresses and is refused too. Random keys written
    as hex (64 characters) or base64 (43) pass.
    """
    alphabet_bits = next((bits for chars, bits in _ALPHABETS if set(key) <= chars), 8.0)
    if len(key) * alphabet_bits < SECRET_KEY_MIN_BITS:
        needed = math.ceil(SECRET_KEY_MIN_BITS / alphabet_bits)
        return f"it is {len(key)} characters long; such a key needs at least {needed}"
    distinct = len(set(key))
    repetitive = len(zlib.compress(key.encode("utf-8"), 9)) < 0.55 * len(key.encode("utf-8"))
    if distinct < min(len(key), 2 ** alphabet_bits) / 4 or repetitive:
        return "it repeats a few characters or a pattern, so it is far less random than long"
    return None


def _check_rate_limits(config: Mapping[str, object]) -> None:
    """Refuse to start with a limit the rate limiter cannot read, naming the variable."""
    from limits import parse_many

    for name in DEFAULTS:
        if not name.startswith("RATE_LIMIT_"):
            continue
        try:
            parse_many(str(config[name]))
        except ValueError as error:
            raise ConfigError(
                f"SPAMSCHUTZ_{name} must be a limit like '10 per minute', got {config[name]!r}"
            ) from error


def _check_operations(config: dict[str, object]) -> None:
    """Normalise and check the settings of logging and start-up."""
    config["LOG_LEVEL"] = str(config["LOG_LEVEL"]).upper()
    if config["LOG_LEVEL"] not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("SPAMSCHUTZ_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    if config["LOG_FORMAT"] not in ("auto", "json", "text"):
        raise ConfigError("SPAMSCHUTZ_LOG_FORMAT must be 'auto', 'json' or 'text'")
    if config["AUTO_MIGRATE"] not in ("sqlite", "always", "never"):
        raise ConfigError("SPAMSCHUTZ_AUTO_MIGRATE must be 'sqlite', 'always' or 'never'")


def _check_webhook_networks(config: Mapping[str, object]) -> None:
    """Refuse to start with an allowed webhook network that is not a network."""
    from spamschutz.service.webhook_targets import parse_networks

    try:
        parse_networks(str(config["WEBHOOK_ALLOWED_NETWORKS"]))
    except ValueError as error:
        raise ConfigError(f"SPAMSCHUTZ_WEBHOOK_ALLOWED_NETWORKS: {error}") from error


def _check_campaigns(config: Mapping[str, object]) -> None:
    """Refuse to start with campaign settings the detection cannot use."""
    from spamschutz.service.campaigns.settings import detection_rules

    try:
        detection_rules(config)
    except ValueError as error:
        raise ConfigError(str(error)) from error


def _check_origins(config: Mapping[str, object]) -> None:
    """Refuse to start with an allowed origin that is not ``scheme://host[:port]``."""
    from spamschutz.service.cors import allowed_origins

    try:
        allowed_origins(str(config["ALLOWED_ORIGINS"]))
    except ValueError as error:
        raise ConfigError(f"SPAMSCHUTZ_ALLOWED_ORIGINS: {error}") from error


def load_config(
    overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, object]:
    """Defaults, then ``SPAMSCHUTZ_*`` variables, then ``overrides``; validated."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    config: dict[str, object] = {}
    for name, (default, kind, _) in DEFAULTS.items():
        value = overrides.pop(name, environ.get(f"SPAMSCHUTZ_{name}", default))
        config[name] = _coerce(name, value, kind)
    config.update(overrides)  # extra Flask settings (TESTING, ...) pass through

    # Per user, not per current directory: every command finds the same installation.
    data_dir = Path(str(config["DATA_DIR"]) or user_data_dir("spamschutz", appauthor=False))
    config["DATA_DIR"] = str(data_dir)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{data_dir.resolve() / 'spamschutz.db'}"
    if not config["MODEL_DIR"]:
        config["MODEL_DIR"] = str(data_dir / "models")
    if config["CHALLENGE_MODE"] not in ("always", "unsure", "never"):
        raise ConfigError("SPAMSCHUTZ_CHALLENGE_MODE must be 'always', 'unsure' or 'never'")
    if config["DEFAULT_LANG"] not in ("de", "en"):
        raise ConfigError("SPAMSCHUTZ_DEFAULT_LANG must be 'de' or 'en'")
    for name in (
        "MAX_TEXT_LENGTH",
        "MAX_BODY_BYTES",
        "CHALLENGE_TTL_SECONDS",
        "MAX_WORD_LENGTH",
        "CHALLENGE_MAX_WRONG_ANSWERS",
    ):
        if int(config[name]) <= 0:  # type: ignore[call-overload]
            raise ConfigError(f"SPAMSCHUTZ_{name} must be positive")
    for name in ("RETENTION_DAYS", "SPOOL_MAX_RECORDS"):
        if int(config[name]) <= 0:  # type: ignore[call-overload]
            raise ConfigError(f"SPAMSCHUTZ_{name} must be positive")
    if not 0 <= float(config["OWN_QUESTIONS_SHARE"]) <= 1:  # type: ignore[arg-type]
        raise ConfigError("SPAMSCHUTZ_OWN_QUESTIONS_SHARE must be from 0 to 1")
    if float(config["SPOOL_REPLAY_SECONDS"]) < 0:  # type: ignore[arg-type]
        raise ConfigError("SPAMSCHUTZ_SPOOL_REPLAY_SECONDS must be 0 or more")
    _check_operations(config)
    if int(config["TRUSTED_PROXIES"]) < 0:  # type: ignore[call-overload]
        raise ConfigError("SPAMSCHUTZ_TRUSTED_PROXIES must be 0 or more")
    if not 32 <= int(config["IPV6_NETWORK_PREFIX"]) <= 128:  # type: ignore[call-overload]
        raise ConfigError("SPAMSCHUTZ_IPV6_NETWORK_PREFIX must be from 32 to 128")
    _check_rate_limits(config)
    _check_campaigns(config)
    _check_webhook_networks(config)
    _check_origins(config)
    if not config["SECRET_KEY"]:
        if config["ENV"] == "production":
            raise ConfigError(
                "SPAMSCHUTZ_SECRET_KEY is required in production: set it to a long random string"
            )
        config["SECRET_KEY"] = ensure_secret_key(data_dir)
    elif config["ENV"] == "production":
        problem = secret_key_problem(str(config["SECRET_KEY"]))
        if problem is not None:
            raise ConfigError(
                f"SPAMSCHUTZ_SECRET_KEY is too weak for production: {problem}. Set it to 32 "
                "random bytes or more, e.g. python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
    return config


def site_domains(config: Mapping[str, object]) -> list[str]:
    """The site's own domains from ``SITE_DOMAINS`` (comma- or space-separated)."""
    return str(config.get("SITE_DOMAINS") or "").replace(",", " ").split()
