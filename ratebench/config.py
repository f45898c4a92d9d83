"""Scheduler and alert settings: an optional TOML file (`ratebench.toml`), secrets from the environment.

Secrets (the webhook URL, which usually embeds a token, and the SMTP password) are read only from
environment variables, so no file in the repository or beside the database ever holds them. A key
that looks like a secret in the file is an error that names the variable to use instead.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from ratebench.errors import UserError

DEFAULT_CONFIG = Path("ratebench.toml")
WEBHOOK_URL_ENV = "RATEBENCH_WEBHOOK_URL"
SMTP_PASSWORD_ENV = "RATEBENCH_SMTP_PASSWORD"
SECRET_KEYS = {
    "webhook_url": WEBHOOK_URL_ENV,
    "url": WEBHOOK_URL_ENV,
    "password": SMTP_PASSWORD_ENV,
    "smtp_password": SMTP_PASSWORD_ENV,
}


@dataclass(frozen=True)
class ScheduleConfig:
    """When and how the nightly crawl runs."""

    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    misfire_grace_hours: float = 12.0
    crawl_timeout_minutes: float = 90.0
    rebuild_timeout_minutes: float = 20.0
    overdue_check_minutes: float = 60.0
    # Between SIGTERM (Scrapy closes gracefully) and SIGKILL of a child over its time limit.
    kill_grace_seconds: float = 15.0
    # Testing and odd deployments only: an interval trigger instead of the cron expression.
    interval_seconds: float | None = None
    mirror: str | None = None
    competitors: tuple[str, ...] = ()
    # Scrapy settings for the crawl child (`ratebench crawl --set NAME=VALUE`).
    crawl_settings: dict[str, str] = field(default_factory=dict)

    @property
    def misfire_grace_seconds(self) -> int:
        return max(1, int(self.misfire_grace_hours * 3600))

    @property
    def crawl_timeout_seconds(self) -> float:
        return self.crawl_timeout_minutes * 60

    @property
    def rebuild_timeout_seconds(self) -> float:
        return self.rebuild_timeout_minutes * 60


@dataclass(frozen=True)
class EmailConfig:
    """SMTP delivery; the password comes from RATEBENCH_SMTP_PASSWORD only."""

    smtp_host: str
    smtp_port: int = 25
    sender: str = "ratebench@localhost"
    recipients: tuple[str, ...] = ()
    username: str | None = None
    starttls: bool = False
    timeout_seconds: float = 10.0
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AlertConfig:
    """Which alerts fire and where they go besides the log."""

    price_change_threshold: float = 0.10
    overdue_hours: float = 36.0
    webhook_url: str | None = field(default=None, repr=False)
    webhook_timeout_seconds: float = 10.0
    email: EmailConfig | None = None


@dataclass(frozen=True)
class Config:
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    alerts: AlertConfig = field(default_factory=AlertConfig)
    source: Path | None = None


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise UserError(f"{where}: [{key}] must be a table, got {value!r}")
    return value


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key in SECRET_KEYS:
            raise UserError(
                f"{where}: key {key!r} is a secret and is never read from a file; "
                f"set the environment variable {SECRET_KEYS[key]} instead"
            )
        if key not in allowed:
            raise UserError(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")


def _number(table: dict[str, Any], key: str, default: float, where: str, *, minimum: float = 0) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= minimum:
        raise UserError(f"{where}: {key} = {value!r} must be a number greater than {minimum:g}")
    return float(value)


def _string(table: dict[str, Any], key: str, default: str | None, where: str) -> str | None:
    value = table.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise UserError(f"{where}: {key} = {value!r} must be a non-empty string")
    return value


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"{where}: {key} = {value!r} must be a list of non-empty strings")
    return tuple(value)


def _settings(table: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise UserError(f"{where}: {key} must be a table of Scrapy settings, got {value!r}")
    for name, setting in value.items():
        if isinstance(setting, dict | list):
            raise UserError(f"{where}: {key}.{name} = {setting!r} must be a single value")
    return {name: str(setting).lower() if isinstance(setting, bool) else str(setting)
            for name, setting in value.items()}


def _schedule(table: dict[str, Any], where: str) -> ScheduleConfig:
    defaults = ScheduleConfig()
    allowed = {
        "cron", "timezone", "misfire_grace_hours", "crawl_timeout_minutes",
        "rebuild_timeout_minutes", "overdue_check_minutes", "kill_grace_seconds", "interval_seconds", "mirror",
        "competitors", "crawl_settings",
    }
    _check_keys(table, allowed, f"{where} [schedule]")
    w = f"{where} [schedule]"
    cron = _string(table, "cron", defaults.cron, w) or defaults.cron
    tz = _string(table, "timezone", defaults.timezone, w) or defaults.timezone
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UserError(f"{w}: timezone = {tz!r} is not a known IANA time zone") from exc
    try:
        CronTrigger.from_crontab(cron, timezone=tz)
    except ValueError as exc:
        raise UserError(f"{w}: cron = {cron!r} is not a 5-field crontab expression: {exc}") from exc
    interval = table.get("interval_seconds")
    if interval is not None:
        interval = _number(table, "interval_seconds", 0, w)
    return ScheduleConfig(
        cron=cron,
        timezone=tz,
        misfire_grace_hours=_number(table, "misfire_grace_hours", defaults.misfire_grace_hours, w),
        crawl_timeout_minutes=_number(
            table, "crawl_timeout_minutes", defaults.crawl_timeout_minutes, w
        ),
        rebuild_timeout_minutes=_number(
            table, "rebuild_timeout_minutes", defaults.rebuild_timeout_minutes, w
        ),
        overdue_check_minutes=_number(
            table, "overdue_check_minutes", defaults.overdue_check_minutes, w
        ),
        kill_grace_seconds=_number(table, "kill_grace_seconds", defaults.kill_grace_seconds, w),
        interval_seconds=interval,
        mirror=_string(table, "mirror", None, w),
        competitors=_strings(table, "competitors", w),
        crawl_settings=_settings(table, "crawl_settings", w),
    )


def _email(table: dict[str, Any], where: str, env: dict[str, str]) -> EmailConfig | None:
    if not table:
        return None
    w = f"{where} [alerts.email]"
    _check_keys(
        table,
        {"smtp_host", "smtp_port", "from", "to", "username", "starttls", "timeout_seconds"},
        w,
    )
    host = _string(table, "smtp_host", None, w)
    if host is None:
        raise UserError(f"{w}: smtp_host is required when [alerts.email] is present")
    port = table.get("smtp_port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise UserError(f"{w}: smtp_port = {port!r} must be a port number (1-65535)")
    recipients = _strings(table, "to", w)
    if not recipients:
        raise UserError(f"{w}: to must name at least one recipient")
    starttls = table.get("starttls", False)
    if not isinstance(starttls, bool):
        raise UserError(f"{w}: starttls = {starttls!r} must be true or false")
    return EmailConfig(
        smtp_host=host,
        smtp_port=port,
        sender=_string(table, "from", "ratebench@localhost", w) or "ratebench@localhost",
        recipients=recipients,
        username=_string(table, "username", None, w),
        starttls=starttls,
        timeout_seconds=_number(table, "timeout_seconds", 10.0, w),
        password=env.get(SMTP_PASSWORD_ENV) or None,
    )


def _alerts(table: dict[str, Any], where: str, env: dict[str, str]) -> AlertConfig:
    w = f"{where} [alerts]"
    _check_keys(
        table,
        {"price_change_threshold", "overdue_hours", "webhook_timeout_seconds", "email"},
        w,
    )
    threshold = _number(table, "price_change_threshold", 0.10, w)
    webhook = env.get(WEBHOOK_URL_ENV) or None
    if webhook and not webhook.startswith(("http://", "https://")):
        raise UserError(f"environment {WEBHOOK_URL_ENV}: not an http(s) URL")
    return AlertConfig(
        price_change_threshold=threshold,
        overdue_hours=_number(table, "overdue_hours", 36.0, w),
        webhook_url=webhook,
        webhook_timeout_seconds=_number(table, "webhook_timeout_seconds", 10.0, w),
        email=_email(_table(table, "email", w), where, env),
    )


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Config:
    """Read `path` (or ./ratebench.toml when it exists); every key has a default."""
    env = dict(os.environ) if env is None else env
    source: Path | None
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise UserError(f"config file {source} does not exist")
    else:
        source = DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None
    data: dict[str, Any] = {}
    where = str(source) if source else "defaults"
    if source is not None:
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"config file {source}: not valid TOML: {exc}") from exc
    _check_keys(data, {"schedule", "alerts"}, where)
    return Config(
        schedule=_schedule(_table(data, "schedule", where), where),
        alerts=_alerts(_table(data, "alerts", where), where, env),
        source=source.resolve() if source else None,
    )
