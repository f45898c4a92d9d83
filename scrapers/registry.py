"""The competitor registry: scrapers/registry.toml loaded into validated `Competitor`s."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_REGISTRY = Path(__file__).with_name("registry.toml")

DELIVERIES = ("domestic", "nearshore", "offshore")
SERVICE_TYPES = ("answering_service", "ai_receptionist", "call_center")
CURRENCIES = ("USD", "GBP", "EUR", "CAD", "AUD")
RENDERS = ("http", "browser")
BILLING_INCREMENTS = (1, 6, 30, 60)

REQUIRED = (
    "id",
    "name",
    "website",
    "country",
    "currency",
    "delivery",
    "service_type",
    "verticals",
    "pricing_urls",
    "billing_notes",
)
OPTIONAL = ("billing_increment_seconds", "render")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_VERTICAL = re.compile(r"^[a-z][a-z_]*$")


class RegistryError(ValueError):
    """The registry file is unreadable or an entry is invalid; the message names file, entry, field."""


@dataclass(frozen=True)
class Competitor:
    """One provider whose public rate cards are crawled."""

    id: str
    name: str
    website: str
    country: str
    currency: str
    delivery: str
    service_type: str
    verticals: tuple[str, ...]
    pricing_urls: tuple[str, ...]
    billing_notes: str
    billing_increment_seconds: int | None = None
    render: str = "http"


def _display(path: Path) -> str:
    # Name the file as the user would type it: relative to the working directory when possible.
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Entry:
    """Error-message helper for one [[competitor]] table."""

    def __init__(self, file: str, index: int, raw: dict[str, Any]) -> None:
        self.file = file
        self.index = index
        self.raw = raw
        ident = raw.get("id")
        self.label = f"competitor #{index}" + (f" ({ident})" if isinstance(ident, str) else "")

    def error(self, field: str, message: str) -> RegistryError:
        return RegistryError(f"{self.file}: {self.label}: field '{field}' {message}")

    def text(self, field: str) -> str:
        value = self.raw[field]
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        value = self.raw[field]
        if value not in allowed:
            raise self.error(field, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def url(self, field: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.error(field, f"must hold URL strings, got {value!r}")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.error(field, f"must be an http(s) URL, got {value!r}")
        return value

    def string_list(self, field: str) -> list[str]:
        value = self.raw[field]
        if not isinstance(value, list) or not value:
            raise self.error(field, f"must be a non-empty list, got {value!r}")
        return value


def _competitor(entry: _Entry) -> Competitor:
    raw = entry.raw
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise entry.error(unknown[0], f"is not a registry field (known: {', '.join(REQUIRED + OPTIONAL)})")
    for field in REQUIRED:
        if field not in raw:
            raise entry.error(field, "is required")

    ident = entry.text("id")
    if not _SLUG.match(ident):
        raise entry.error("id", f"must be a lowercase slug like 'patlive' or 'smith-ai', got {ident!r}")
    country = entry.text("country")
    if not _COUNTRY.match(country):
        raise entry.error("country", f"must be an ISO 3166 alpha-2 code such as 'US' or 'GB', got {country!r}")
    if country == "UK":
        raise entry.error("country", "must be 'GB' for the United Kingdom (ISO 3166), got 'UK'")

    verticals = entry.string_list("verticals")
    for vertical in verticals:
        if not isinstance(vertical, str) or not _VERTICAL.match(vertical):
            raise entry.error("verticals", f"must hold lowercase words like 'legal', got {vertical!r}")
    urls = [entry.url("pricing_urls", url) for url in entry.string_list("pricing_urls")]

    increment = raw.get("billing_increment_seconds")
    if increment is not None and (
        isinstance(increment, bool) or not isinstance(increment, int) or increment <= 0
    ):
        raise entry.error("billing_increment_seconds", f"must be a positive integer, got {increment!r}")
    if increment is not None and increment not in BILLING_INCREMENTS:
        allowed = ", ".join(str(n) for n in BILLING_INCREMENTS)
        raise entry.error("billing_increment_seconds", f"must be one of {allowed}, got {increment!r}")

    return Competitor(
        id=ident,
        name=entry.text("name"),
        website=entry.url("website", raw["website"]),
        country=country,
        currency=entry.choice("currency", CURRENCIES),
        delivery=entry.choice("delivery", DELIVERIES),
        service_type=entry.choice("service_type", SERVICE_TYPES),
        verticals=tuple(verticals),
        pricing_urls=tuple(urls),
        billing_notes=entry.text("billing_notes"),
        billing_increment_seconds=increment,
        render=entry.choice("render", RENDERS) if "render" in raw else "http",
    )


def load_registry(path: Path | str = DEFAULT_REGISTRY) -> list[Competitor]:
    """Read and validate the registry; raise RegistryError naming the file, entry and field."""
    path = Path(path)
    file = _display(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise RegistryError(f"{file}: registry file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{file}: not valid TOML: {exc}") from exc

    extra = sorted(set(data) - {"competitor"})
    if extra:
        raise RegistryError(f"{file}: unknown top-level key {extra[0]!r} (expected [[competitor]] tables)")
    tables = data.get("competitor")
    if not isinstance(tables, list) or not tables:
        raise RegistryError(f"{file}: no [[competitor]] tables found")

    competitors: list[Competitor] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(tables, start=1):
        entry = _Entry(file, index, raw)
        competitor = _competitor(entry)
        if competitor.id in seen:
            raise entry.error("id", f"duplicates competitor #{seen[competitor.id]} ({competitor.id!r})")
        seen[competitor.id] = index
        competitors.append(competitor)
    return competitors


def registry_by_id(path: Path | str = DEFAULT_REGISTRY) -> dict[str, Competitor]:
    """The registry keyed by competitor id."""
    return {competitor.id: competitor for competitor in load_registry(path)}
