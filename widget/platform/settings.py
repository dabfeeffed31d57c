"""Settings read once from `BASKETLIFT_*` environment variables, failing fast on bad values.

Every variable is declared once in `VARIABLES`; `basketlift.env.example` documents each
of them and a test keeps the two in step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "BASKETLIFT_"


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
        "EVENT_RETENTION_DAYS",
        "180",
        _parse_int(1, 3650),
        "Days an event stays in a shop's stream.",
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
    Variable("LOG_LEVEL", "info", _parse_log_level, "Log level of the server."),
)


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with `Settings.from_env`."""

    redis_url: str | None = None
    data_dir: Path = Path("./basketlift-data")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    admin_token: str | None = None
    event_retention_days: int = 180
    rate_limit_site: float = 200.0
    rate_limit_client: float = 5.0
    new_visitors_per_network_hour: int = 20
    exposure_lifetime_days: int = 90
    consumers: str = "in-process"
    log_level: str = "info"

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
        return cls(**values)
