"""Settings read once from `BASKETLIFT_*` environment variables, failing fast on bad values.

Every variable is declared once in `VARIABLES`; `basketlift.env.example` documents each
of them and a test keeps the two in step.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PREFIX = "BASKETLIFT_"
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")
LOOPBACK_NAMES = ("localhost",)


class SettingsError(ValueError):
    """An environment variable has a value that cannot be used."""


def _parse_int(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError("not a whole number") from None
        if not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}")
        return value

    return parse


def _parse_positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError("must be a positive number")
    return value


def _parse_non_negative_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError("must be 0 (off) or a positive number")
    return value


def _parse_redis_url(raw: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://", "valkey://", "valkeys://")):
        raise ValueError("must start with redis://, rediss://, valkey://, valkeys:// or unix://")
    return raw


def _parse_token(raw: str) -> str | None:
    if not raw:
        return None
    if len(raw) < 16:
        raise ValueError("must be at least 16 characters long")
    if len(set(raw)) < 10:
        raise ValueError(
            "must have at least 10 different characters: make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return raw


def _parse_public_url(raw: str) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address such as https://recs.example.com")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be a scheme, host, optional port and path only")
    return raw.rstrip("/")


def _parse_networks(raw: str) -> tuple[str, ...]:
    networks = tuple(part.strip() for part in raw.split(",") if part.strip())
    for network in networks:
        if network != "*":
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an IP address or network") from None
    return networks


def _parse_hosts(raw: str) -> tuple[str, ...]:
    hosts = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    for host in hosts:
        if not all(c.isalnum() or c in ".-:" for c in host):
            raise ValueError(f"{host!r} is not a host name or IP address")
    return hosts


def _parse_smtp_url(raw: str) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise ValueError("must start with smtp://, smtp+starttls:// or smtps:// and name a host")
    try:
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        raise ValueError("has a port that is not a number from 0 to 65535") from None
    return raw


def _parse_archive_url(raw: str) -> str | None:
    if not raw:
        return None
    scheme = urlsplit(raw).scheme if "://" in raw else ""
    if scheme not in ("", "file", "s3"):
        raise ValueError("must be a folder, a file:// URL or an s3:// URL")
    return raw


def _parse_consumers(raw: str) -> str:
    if raw not in ("in-process", "separate"):
        raise ValueError("must be in-process or separate")
    return raw


def _parse_log_level(raw: str) -> str:
    level = raw.lower()
    if level not in {"critical", "error", "warning", "info", "debug"}:
        raise ValueError("must be one of critical, error, warning, info, debug")
    return level


@dataclass(frozen=True)
class Variable:
    """One environment variable: its suffix after the prefix, default, parser and meaning."""

    name: str
    default: str
    parse: Callable[[str], Any]
    help: str

    @property
    def env_name(self) -> str:
        return PREFIX + self.name


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "REDIS_URL",
        "",
        _parse_redis_url,
        "Redis/Valkey 7+ or Redis Cluster URL; empty starts the embedded server.",
    ),
    Variable("DATA_DIR", "./basketlift-data", Path, "Folder of the embedded store's data."),
    Variable(
        "STORE_RESTARTS",
        "5",
        _parse_int(1, 100),
        "Tries to restart the embedded store's server when it dies (back-off from 0.5 s, "
        "doubling, up to 10 s) before giving up: the command then exits with status 1.",
    ),
    Variable("HOST", "127.0.0.1", str, "Address the HTTP server listens on."),
    Variable("PORT", "8000", _parse_int(1, 65535), "Port the HTTP server listens on."),
    Variable("WORKERS", "1", _parse_int(1, 64), "HTTP worker processes."),
    Variable(
        "ADMIN_TOKEN",
        "",
        _parse_token,
        "Bearer token of the admin HTTP API (16+ characters); empty disables that API.",
    ),
    Variable(
        "METRICS_TOKEN",
        "",
        _parse_token,
        "Bearer token for GET /metrics (16+ characters); the admin token works there too.",
    ),
    Variable(
        "PUBLIC_URL",
        "",
        _parse_public_url,
        "Address browsers reach this server at, used in the snippet and in links sent by "
        "mail; empty means http://HOST:PORT, allowed only when HOST is a loopback address.",
    ),
    Variable(
        "TRUSTED_PROXIES",
        "",
        _parse_networks,
        "Comma-separated addresses or networks of proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed, or *; empty believes no proxy.",
    ),
    Variable(
        "SESSION_LIFETIME_HOURS",
        "12",
        _parse_int(1, 24 * 30),
        "Hours after login when a dashboard session ends, however active.",
    ),
    Variable(
        "SMTP_URL",
        "",
        _parse_smtp_url,
        "Mail server for invitations and password resets, e.g. "
        "smtp+starttls://user:password@mail.example.com:587; empty: "
        "`basketlift operator links` prints the links instead.",
    ),
    Variable(
        "MAIL_FROM",
        "basketlift@localhost",
        str,
        "Sender address of the mails.",
    ),
    Variable(
        "DEAD_LETTER_RETENTION_DAYS",
        "180",
        _parse_int(1, 3650),
        "Days a rejected event stays in a shop's dead-letter stream.",
    ),
    Variable(
        "ARCHIVE_URL",
        "",
        _parse_archive_url,
        "Where the archive of record (Parquet files of events and orders by shop and day) "
        "lives: a folder, a file:// URL, or s3://bucket/prefix?endpoint_override=host:port "
        "for an S3-compatible store; empty: the folder `archive` of DATA_DIR.",
    ),
    Variable(
        "HOT_WINDOW_HOURS",
        "48",
        _parse_positive_float,
        "Hours of events a shop's stream keeps; older ones leave it once archived and "
        "acknowledged by every consumer.",
    ),
    Variable(
        "MODEL_CHECK_SECONDS",
        "5",
        _parse_positive_float,
        "Seconds between a server's checks of a shop's current model version in the store; "
        "a new version is served this long plus its load time after it is saved.",
    ),
    Variable(
        "MODEL_VERSIONS_KEPT",
        "3",
        _parse_int(1, 100),
        "Model versions of a shop kept in the store, the current one included.",
    ),
    Variable(
        "DEDUP_HOURS",
        "48",
        _parse_positive_float,
        "Hours during which an event id already accepted is dropped as a duplicate (a "
        "client's retry); after it the same id counts again.",
    ),
    Variable(
        "RATE_LIMIT_SITE",
        "200",
        _parse_positive_float,
        "Event requests per second allowed per site key (bursts of 10 seconds' worth).",
    ),
    Variable(
        "RATE_LIMIT_CLIENT",
        "5",
        _parse_positive_float,
        "Event requests per second allowed per client address (bursts of 10 seconds' worth).",
    ),
    Variable(
        "NEW_VISITORS_PER_NETWORK_HOUR",
        "20",
        _parse_int(1, 1_000_000),
        "New visitors counted per client network (IPv4 /24, IPv6 /64) and hour, per shop; "
        "beyond it a visitor is served but not counted for billing.",
    ),
    Variable(
        "EXPOSURE_LIFETIME_DAYS",
        "90",
        _parse_int(1, 3650),
        "Days after a visitor was last seen that their exposure (and arm) of record expires.",
    ),
    Variable(
        "CONSUMERS",
        "in-process",
        _parse_consumers,
        "in-process: the server runs the stream consumers; separate: `basketlift consume` does.",
    ),
    Variable(
        "RETRAIN_EVERY_HOURS",
        "24",
        _parse_non_negative_float,
        "Hours after a shop's last training attempt when the consumers train it again; 0: never "
        "by time.",
    ),
    Variable(
        "RETRAIN_AFTER_EVENTS",
        "50000",
        _parse_int(0, 10**12),
        "Accepted event requests (each carries one or more events) after which the consumers "
        "train a shop again; 0: never by count.",
    ),
    Variable("LOG_LEVEL", "info", _parse_log_level, "Log level of the server."),
    Variable(
        "CATALOG_FEED_TRUSTED_HOSTS",
        "",
        _parse_hosts,
        "Comma-separated hosts whose catalogue feeds may be fetched at private or loopback "
        "addresses and over plain http; empty: feeds come over https from public addresses.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with `Settings.from_env`."""

    redis_url: str | None = None
    data_dir: Path = Path("./basketlift-data")
    store_restarts: int = 5
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    admin_token: str | None = None
    metrics_token: str | None = None
    public_url: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    session_lifetime_hours: int = 12
    smtp_url: str | None = None
    mail_from: str = "basketlift@localhost"
    dead_letter_retention_days: int = 180
    archive_url: str | None = None
    hot_window_hours: float = 48.0
    model_check_seconds: float = 5.0
    model_versions_kept: int = 3
    dedup_hours: float = 48.0
    rate_limit_site: float = 200.0
    rate_limit_client: float = 5.0
    new_visitors_per_network_hour: int = 20
    exposure_lifetime_days: int = 90
    consumers: str = "in-process"
    retrain_every_hours: float = 24.0
    retrain_after_events: int = 50_000
    log_level: str = "info"
    catalog_feed_trusted_hosts: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Parse every variable; the first bad one raises `SettingsError` naming it."""
        values: dict[str, Any] = {}
        for variable in VARIABLES:
            raw = environ.get(variable.env_name, variable.default).strip()
            try:
                values[variable.name.lower()] = variable.parse(raw)
            except ValueError as error:
                raise SettingsError(f"{variable.env_name} has value {raw!r}: {error}.") from None
        settings = cls(**values)
        if settings.public_url is None and not is_loopback(settings.host):
            raise SettingsError(
                f"{PREFIX}PUBLIC_URL is empty while {PREFIX}HOST is {settings.host!r}, not a "
                "loopback address: set it to the address browsers use, such as "
                "https://recs.example.com."
            )
        return settings

    @property
    def archive_location(self) -> str:
        """The archive's folder or URL."""
        return self.archive_url or str(self.data_dir / "archive")

    @property
    def base_url(self) -> str:
        """The public address of the server, without a trailing slash."""
        if self.public_url is not None:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
