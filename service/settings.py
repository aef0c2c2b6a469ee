"""Every environment variable Sieve reads, parsed and checked in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SECRET = "dev-insecure-change-me"
_RATE = re.compile(r"^\s*\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


class SettingsError(ValueError):
    """A setting has a value Sieve cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = DEFAULT_SECRET
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""
    model_dir: str = ""
    queue_name: str = "sieve-scoring"
    max_body_chars: int = 5000
    max_name_chars: int = 80
    max_request_bytes: int = 64 * 1024
    trusted_proxies: int = 0
    rate_limit_ip: str = "20/minute"
    rate_limit_site: str = "600/minute"
    rate_limit_analyze: str = "60/minute"
    rate_limit_login: str = "10/minute"
    rate_limit_email: str = "10/minute"
    # Calls per site key of the Perspective- and Akismet-compatible APIs.
    rate_limit_key: str = "600/minute"
    rate_limit_global: str = "6000/minute"
    duplicate_window: int = 600
    retention_days: int = 90
    require_https: bool = False
    rate_limit_key_prefix: str = "sieve"
    rate_limit_fail_open: bool = True
    job_timeout: int = 60
    job_retries: int = 3
    batch_size: int = 256
    enqueue_delay_ms: int = 50
    group_commit: bool = True
    log_level: str = "INFO"
    log_format: str = "json"
    sweep_after: int = 300
    sweep_interval: int = 60
    metrics_token: str = ""
    # Where readers and moderators reach this server: the links in mail and webhook events.
    public_url: str = "http://localhost:8000"
    smtp_url: str = ""  # no SMTP: no mail at all (no digest, no reply notifications)
    mail_from: str = "Sieve <sieve@localhost>"
    digest_minutes: int = 60
    # Webhook targets on loopback, private or link-local addresses (refused in production).
    webhook_allow_private: bool = False
    # Seconds before each retry of a failed webhook delivery or mail: about a day in all.
    retry_backoff: tuple[int, ...] = (10, 60, 300, 900, 1800, 3600, 7200, 14400, 21600, 21600,
                                      21600)  # fmt: skip
    # /ops flags (and the alert rules) a label's scores drifting beyond this stability index.
    drift_alert: float = 0.25
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def embedded_redis_socket(self) -> Path:
        return self.data_dir / "redis.sock"


# variable name -> (field, parser)
def _int(name: str, raw: str, low: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low:
        raise SettingsError(f"{name} must be at least {low}, got {value}")
    return value


def _bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def parse_rate(name: str, raw: str) -> str:
    """Check a flask-limiter rate such as ``20/minute`` (several joined by ``;``)."""
    parts = [part for part in raw.split(";") if part.strip()]
    if not parts or not all(_RATE.match(part) for part in parts):
        example = "'20/minute' or '5/second;100/hour'"
        raise SettingsError(f"{name} must look like {example}, got {raw!r}")
    return raw.strip()


def _http_url(name: str, raw: str) -> str:
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL such as https://comments.example")
    return url


def _smtp_url(name: str, raw: str) -> str:
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
        raise SettingsError(
            f"{name} must look like smtp://host:25, smtp+starttls://user:password@host:587 or "
            f"smtps://user:password@host:465, got {raw!r}"
        )
    try:
        parts.port  # noqa: B018  (raises on a port that is no number)
    except ValueError:
        raise SettingsError(f"{name} has a port that is no number: {raw!r}") from None
    return url


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not value > 0:
        raise SettingsError(f"{name} must be above 0, got {raw!r}")
    return value


def _seconds_list(name: str, raw: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"{name} must be seconds separated by commas, got {raw!r}") from None
    if not values or any(v < 0 for v in values):
        raise SettingsError(f"{name} must be seconds separated by commas, got {raw!r}")
    return values


def _choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


VARIABLES: dict[str, tuple[str, object]] = {
    "SIEVE_ENV": ("env", lambda n, r: _choice(n, r, ("development", "production", "test"))),
    "SIEVE_SECRET_KEY": ("secret_key", lambda n, r: r),
    "SIEVE_DATA_DIR": ("data_dir", lambda n, r: Path(r)),
    "DATABASE_URL": ("database_url", lambda n, r: r.strip()),
    "REDIS_URL": ("redis_url", lambda n, r: r.strip()),
    "SIEVE_MODEL_DIR": ("model_dir", lambda n, r: r.strip()),
    "SIEVE_QUEUE": ("queue_name", lambda n, r: r.strip()),
    "SIEVE_MAX_BODY_CHARS": ("max_body_chars", lambda n, r: _int(n, r, 1)),
    "SIEVE_MAX_NAME_CHARS": ("max_name_chars", lambda n, r: _int(n, r, 1)),
    "SIEVE_MAX_REQUEST_BYTES": ("max_request_bytes", lambda n, r: _int(n, r, 1024)),
    "SIEVE_TRUSTED_PROXIES": ("trusted_proxies", lambda n, r: _int(n, r, 0)),
    "SIEVE_RATE_LIMIT_IP": ("rate_limit_ip", parse_rate),
    "SIEVE_RATE_LIMIT_SITE": ("rate_limit_site", parse_rate),
    "SIEVE_RATE_LIMIT_ANALYZE": ("rate_limit_analyze", parse_rate),
    "SIEVE_RATE_LIMIT_LOGIN": ("rate_limit_login", parse_rate),
    "SIEVE_RATE_LIMIT_EMAIL": ("rate_limit_email", parse_rate),
    "SIEVE_RATE_LIMIT_KEY": ("rate_limit_key", parse_rate),
    "SIEVE_RATE_LIMIT_GLOBAL": ("rate_limit_global", parse_rate),
    "SIEVE_DUPLICATE_WINDOW": ("duplicate_window", lambda n, r: _int(n, r, 0)),
    "SIEVE_RETENTION_DAYS": ("retention_days", lambda n, r: _int(n, r, 0)),
    "SIEVE_REQUIRE_HTTPS": ("require_https", _bool),
    "SIEVE_RATE_LIMIT_PREFIX": ("rate_limit_key_prefix", lambda n, r: r.strip()),
    "SIEVE_RATE_LIMIT_FAIL_OPEN": ("rate_limit_fail_open", _bool),
    "SIEVE_JOB_TIMEOUT": ("job_timeout", lambda n, r: _int(n, r, 1)),
    "SIEVE_JOB_RETRIES": ("job_retries", lambda n, r: _int(n, r, 0)),
    "SIEVE_BATCH_SIZE": ("batch_size", lambda n, r: _int(n, r, 1)),
    "SIEVE_ENQUEUE_DELAY_MS": ("enqueue_delay_ms", lambda n, r: _int(n, r, 0)),
    "SIEVE_GROUP_COMMIT": ("group_commit", _bool),
    "SIEVE_LOG_LEVEL": (
        "log_level",
        lambda n, r: _choice(n, r.upper(), ("DEBUG", "INFO", "WARNING", "ERROR")),
    ),
    "SIEVE_LOG_FORMAT": (
        "log_format",
        lambda n, r: _choice(n, r.strip().lower(), ("json", "text")),
    ),
    "SIEVE_SWEEP_AFTER": ("sweep_after", lambda n, r: _int(n, r, 1)),
    "SIEVE_SWEEP_INTERVAL": ("sweep_interval", lambda n, r: _int(n, r, 1)),
    "SIEVE_METRICS_TOKEN": ("metrics_token", lambda n, r: r.strip()),
    "SIEVE_PUBLIC_URL": ("public_url", lambda n, r: _http_url(n, r)),
    "SIEVE_SMTP_URL": ("smtp_url", lambda n, r: _smtp_url(n, r)),
    "SIEVE_MAIL_FROM": ("mail_from", lambda n, r: r.strip()),
    "SIEVE_DIGEST_MINUTES": ("digest_minutes", lambda n, r: _int(n, r, 1)),
    "SIEVE_WEBHOOK_ALLOW_PRIVATE": ("webhook_allow_private", _bool),
    "SIEVE_RETRY_BACKOFF": ("retry_backoff", lambda n, r: _seconds_list(n, r)),
    "SIEVE_DRIFT_ALERT": ("drift_alert", lambda n, r: _positive_float(n, r)),
}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Defaults, then the environment, then explicit overrides (tests pass these last)."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, (attr, parse) in VARIABLES.items():
        raw = environ.get(name)
        if raw is not None and raw != "":
            values[attr] = parse(name, raw)  # type: ignore[operator]
    known = {f.name for f in fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    if settings.is_production and settings.secret_key in ("", DEFAULT_SECRET):
        raise SettingsError("SIEVE_SECRET_KEY must be set to a private random value in production")
    if settings.is_production and len(settings.secret_key) < 32:
        raise SettingsError("SIEVE_SECRET_KEY must be at least 32 characters in production")
    if settings.is_production and settings.smtp_url and "://localhost" in settings.public_url:
        raise SettingsError(
            "SIEVE_PUBLIC_URL must be set to this server's public address when SIEVE_SMTP_URL is: "
            "it is the address of every link in the mail"
        )


def database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set, else a SQLite file in the data dir."""
    if settings.database_url:
        url = settings.database_url
        # Accept the URLs that hosting providers hand out and use the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    return f"sqlite:///{(settings.data_dir / 'sieve.db').resolve()}"


def redis_url(settings: Settings) -> str:
    """``REDIS_URL`` when set, else the socket of the embedded redis-server in the data dir."""
    if settings.redis_url:
        return settings.redis_url
    return f"unix://{settings.embedded_redis_socket.resolve()}"
