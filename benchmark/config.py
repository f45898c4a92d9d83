"""The files a user writes: a client profile and a cost model (TOML, DESIGN.md "Files a user writes").

Unknown keys and bad values raise `ConfigError` naming the file, the key and the value. Money is
read as Decimal (TOML floats are parsed straight to Decimal, never through binary floats).

Optional profile keys beyond DESIGN.md (all with defaults):
    billing = "monthly" | "yearly"      which price a competitor's invoice uses (default monthly)
    vertical = "medical"                 segment vertical (default: any)
    shrinkage = 0.30                     share of paid time an agent is not available (breaks, training)
    seating = "shared" | "dedicated"     shared operators (answering services) or dedicated seats
                                         (default: dedicated for call_center, shared otherwise)
    call_length_cv = 1.0                 coefficient of variation of call length (0 = every call
                                         lasts exactly the average)
    seat_hours_per_month = 173           paid hours of one full-time seat

Optional costs section beyond DESIGN.md:
    [adjustments]
    technical_premium = 0.15             on top of the market price for technical calls
    bilingual_premium = 0.10             when the profile needs more than one language
    revenue_share = 0.05                 share of the client's sales made by our operators
    [adjustments.delivery_factors]       price level relative to domestic, used when a band had
    domestic = 1.0                       to be widened beyond the profile's delivery segment
    nearshore = 0.70
    offshore = 0.45
    [[adjustments.volume_discounts]]     for large clients: the highest tier reached applies
    min_calls_per_month = 5000
    discount = 0.05
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

COVERAGES = ("business_hours", "24/7")
COMPLEXITIES = ("non_technical", "technical")
SERVICE_TYPES = ("answering_service", "ai_receptionist", "call_center")
DELIVERIES = ("domestic", "nearshore", "offshore")
BILLINGS = ("monthly", "yearly")
SEATINGS = ("shared", "dedicated")
CURRENCIES = ("USD", "GBP", "EUR", "CAD", "AUD")


class ConfigError(ValueError):
    """A profile or cost file is unreadable or has an unknown key or a bad value."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What one client (or a market segment to price for) consumes."""

    name: str
    calls_per_month: int
    average_handle_seconds: Decimal
    coverage: str = "business_hours"
    complexity: str = "non_technical"
    languages: tuple[str, ...] = ("en",)
    country: str = "US"
    service_type: str = "answering_service"
    delivery: str = "domestic"
    service_level: Decimal = Decimal("0.80")
    answer_within_seconds: int = 20
    billing: str = "monthly"
    vertical: str | None = None
    shrinkage: Decimal = Decimal("0.30")
    seating: str | None = None
    call_length_cv: Decimal = Decimal("1.0")
    seat_hours_per_month: Decimal = Decimal("173")

    @property
    def effective_seating(self) -> str:
        if self.seating:
            return self.seating
        return "dedicated" if self.service_type == "call_center" else "shared"

    @property
    def talk_minutes(self) -> Decimal:
        """Unrounded talk time per month, in minutes."""
        return Decimal(self.calls_per_month) * self.average_handle_seconds / Decimal(60)

    def with_calls(self, calls_per_month: int) -> Profile:
        """The same client at another volume (rate-card tiers, property tests)."""
        from dataclasses import replace

        return replace(self, calls_per_month=calls_per_month)


@dataclass(frozen=True, slots=True)
class VolumeDiscount:
    min_calls_per_month: int
    discount: Decimal


@dataclass(frozen=True, slots=True)
class Adjustments:
    technical_premium: Decimal = Decimal("0.15")
    bilingual_premium: Decimal = Decimal("0.10")
    revenue_share: Decimal = Decimal("0")
    delivery_factors: dict[str, Decimal] = field(
        default_factory=lambda: {
            "domestic": Decimal("1.0"),
            "nearshore": Decimal("0.70"),
            "offshore": Decimal("0.45"),
        }
    )
    volume_discounts: tuple[VolumeDiscount, ...] = (
        VolumeDiscount(5000, Decimal("0.05")),
        VolumeDiscount(20000, Decimal("0.10")),
    )


@dataclass(frozen=True, slots=True)
class Costs:
    """The business's own cost model (DESIGN.md), per month unless named otherwise."""

    currency: str
    operator_count: int
    hourly_wage: Decimal
    paid_hours_per_month: Decimal
    burden_rate: Decimal
    staff: dict[str, Decimal]
    fixed: dict[str, Decimal]
    occupancy: Decimal
    min_margin: Decimal
    adjustments: Adjustments = field(default_factory=Adjustments)


# ---------------------------------------------------------------------------------------------
# reading


class _Reader:
    """Checks one TOML table against its allowed keys, naming file and dotted key in errors."""

    def __init__(self, path: str, table: dict[str, Any], prefix: str) -> None:
        self.path = path
        self.table = table
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, value: Any, why: str) -> ConfigError:
        return ConfigError(f"{self.path}: key {self.key(name)} = {value!r}: {why}")

    def check_keys(self, allowed: set[str], required: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        for name, value in self.table.items():
            if name not in allowed:
                raise self.fail(name, value, f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for name in sorted(required):
            if name not in self.table:
                raise ConfigError(f"{self.path}: key {self.key(name)} is missing")

    def sub(self, name: str, required: bool = True) -> _Reader | None:
        value = self.table.get(name)
        if value is None:
            if required:
                raise ConfigError(f"{self.path}: table [{self.key(name)}] is missing")
            return None
        if not isinstance(value, dict):
            raise self.fail(name, value, "must be a table")
        return _Reader(self.path, value, self.key(name))

    def string(self, name: str, default: str | None = None, choices: tuple[str, ...] = ()) -> Any:
        value = self.table.get(name, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, value, "must be a non-empty string")
        if choices and value not in choices:
            raise self.fail(name, value, f"must be one of {', '.join(choices)}")
        return value

    def integer(self, name: str, default: int | None = None, minimum: int = 1) -> int:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, value, "must be a whole number")
        if value < minimum:
            raise self.fail(name, value, f"must be at least {minimum}")
        return value

    def number(
        self,
        name: str,
        default: Decimal | None = None,
        *,
        low: Decimal | None = Decimal(0),
        low_open: bool = False,
        high: Decimal | None = None,
        high_open: bool = False,
    ) -> Decimal:
        value = self.table.get(name, default)
        return self.to_decimal(name, value, low=low, low_open=low_open, high=high, high_open=high_open)

    def to_decimal(
        self,
        name: str,
        value: Any,
        *,
        low: Decimal | None = Decimal(0),
        low_open: bool = False,
        high: Decimal | None = None,
        high_open: bool = False,
    ) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.fail(name, value, "must be a number")
        number = Decimal(value)
        if not number.is_finite():
            raise self.fail(name, value, "must be a finite number")
        if low is not None and (number < low or (low_open and number == low)):
            raise self.fail(name, value, f"must be {'>' if low_open else '>='} {low}")
        if high is not None and (number > high or (high_open and number == high)):
            raise self.fail(name, value, f"must be {'<' if high_open else '<='} {high}")
        return number


def _read_toml(path: str | Path) -> tuple[str, dict[str, Any]]:
    name = str(path)
    try:
        with open(path, "rb") as handle:
            return name, tomllib.load(handle, parse_float=Decimal)
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML: {exc}") from None


PROFILE_KEYS = {
    "name",
    "calls_per_month",
    "average_handle_seconds",
    "coverage",
    "complexity",
    "languages",
    "country",
    "service_type",
    "delivery",
    "service_level",
    "answer_within_seconds",
    "billing",
    "vertical",
    "shrinkage",
    "seating",
    "call_length_cv",
    "seat_hours_per_month",
}
PROFILE_REQUIRED = {"name", "calls_per_month", "average_handle_seconds"}


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile.toml."""
    name, data = _read_toml(path)
    return profile_from_dict(data, name)


def profile_from_dict(data: dict[str, Any], source: str = "<profile>") -> Profile:
    """Validate a parsed profile document ({"profile": {...}})."""
    root = _Reader(source, data, "")
    root.check_keys({"profile"}, {"profile"})
    table = root.sub("profile")
    assert table is not None
    table.check_keys(PROFILE_KEYS, PROFILE_REQUIRED)
    languages = table.table.get("languages", ["en"])
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(x, str) and x.strip() for x in languages)
    ):
        raise table.fail("languages", languages, "must be a non-empty list of language codes")
    country = table.string("country", "US")
    if len(country) != 2 or not country.isalpha():
        raise table.fail("country", country, "must be an ISO 3166 two-letter code such as US")
    return Profile(
        name=table.string("name"),
        calls_per_month=table.integer("calls_per_month"),
        average_handle_seconds=table.number("average_handle_seconds", low_open=True),
        coverage=table.string("coverage", "business_hours", COVERAGES),
        complexity=table.string("complexity", "non_technical", COMPLEXITIES),
        languages=tuple(x.strip() for x in languages),
        country=country.upper(),
        service_type=table.string("service_type", "answering_service", SERVICE_TYPES),
        delivery=table.string("delivery", "domestic", DELIVERIES),
        service_level=table.number(
            "service_level", Decimal("0.80"), low_open=True, high=Decimal(1), high_open=True
        ),
        answer_within_seconds=table.integer("answer_within_seconds", 20),
        billing=table.string("billing", "monthly", BILLINGS),
        vertical=table.string("vertical"),
        shrinkage=table.number("shrinkage", Decimal("0.30"), high=Decimal(1), high_open=True),
        seating=table.string("seating", None, SEATINGS),
        call_length_cv=table.number("call_length_cv", Decimal("1.0"), high=Decimal(5)),
        seat_hours_per_month=table.number(
            "seat_hours_per_month", Decimal(173), low_open=True, high=Decimal(744)
        ),
    )


def load_costs(path: str | Path) -> Costs:
    """Read and validate a costs.toml."""
    name, data = _read_toml(path)
    return costs_from_dict(data, name)


def costs_from_dict(data: dict[str, Any], source: str = "<costs>") -> Costs:
    """Validate a parsed cost model document."""
    root = _Reader(source, data, "")
    root.check_keys(
        {"currency", "operators", "staff", "fixed", "policy", "adjustments"},
        {"currency", "operators", "policy"},
    )
    currency = root.string("currency", None, CURRENCIES)

    ops = root.sub("operators")
    assert ops is not None
    ops.check_keys({"count", "hourly_wage", "paid_hours_per_month", "burden_rate"}, {
        "count", "hourly_wage", "paid_hours_per_month"})
    operator_count = ops.integer("count")
    hourly_wage = ops.number("hourly_wage", low_open=True)
    paid_hours = ops.number("paid_hours_per_month", low_open=True, high=Decimal(744))
    burden = ops.number("burden_rate", Decimal(0), high=Decimal(5))

    staff: dict[str, Decimal] = {}
    staff_table = root.sub("staff", required=False)
    if staff_table is not None:
        for key, value in staff_table.table.items():
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and not value:
                raise staff_table.fail(key, value, "must list at least one monthly cost")
            for i, item in enumerate(values):
                label = f"{key}[{i}]" if isinstance(value, list) else key
                staff[label] = staff_table.to_decimal(key, item)

    fixed: dict[str, Decimal] = {}
    fixed_table = root.sub("fixed", required=False)
    if fixed_table is not None:
        for key, value in fixed_table.table.items():
            fixed[key] = fixed_table.to_decimal(key, value)

    policy = root.sub("policy")
    assert policy is not None
    policy.check_keys({"occupancy", "min_margin"}, {"occupancy", "min_margin"})
    occupancy = policy.number("occupancy", low_open=True, high=Decimal(1))
    min_margin = policy.number("min_margin", high=Decimal(10))

    return Costs(
        currency=currency,
        operator_count=operator_count,
        hourly_wage=hourly_wage,
        paid_hours_per_month=paid_hours,
        burden_rate=burden,
        staff=staff,
        fixed=fixed,
        occupancy=occupancy,
        min_margin=min_margin,
        adjustments=_adjustments(root.sub("adjustments", required=False)),
    )


def _adjustments(table: _Reader | None) -> Adjustments:
    if table is None:
        return Adjustments()
    table.check_keys(
        {"technical_premium", "bilingual_premium", "revenue_share", "delivery_factors",
         "volume_discounts"}
    )
    base = Adjustments()
    factors = dict(base.delivery_factors)
    factor_table = table.sub("delivery_factors", required=False)
    if factor_table is not None:
        factor_table.check_keys(set(DELIVERIES))
        for key, value in factor_table.table.items():
            factors[key] = factor_table.to_decimal(key, value, low_open=True, high=Decimal(10))
    tiers = base.volume_discounts
    raw_tiers = table.table.get("volume_discounts")
    if raw_tiers is not None:
        if not isinstance(raw_tiers, list):
            raise table.fail("volume_discounts", raw_tiers, "must be an array of tables")
        parsed = []
        for i, raw in enumerate(raw_tiers):
            if not isinstance(raw, dict):
                raise table.fail("volume_discounts", raw, "each tier must be a table")
            tier = _Reader(table.path, raw, f"{table.key('volume_discounts')}[{i}]")
            tier.check_keys({"min_calls_per_month", "discount"}, {"min_calls_per_month", "discount"})
            parsed.append(
                VolumeDiscount(
                    tier.integer("min_calls_per_month"),
                    tier.number("discount", high=Decimal(1), high_open=True),
                )
            )
        tiers = tuple(sorted(parsed, key=lambda t: t.min_calls_per_month))
    return Adjustments(
        technical_premium=table.number("technical_premium", base.technical_premium, high=Decimal(5)),
        bilingual_premium=table.number("bilingual_premium", base.bilingual_premium, high=Decimal(5)),
        revenue_share=table.number("revenue_share", base.revenue_share, high=Decimal(1)),
        delivery_factors=factors,
        volume_discounts=tiers,
    )
