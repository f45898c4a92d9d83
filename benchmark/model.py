"""The rate plan of the extraction contract (DESIGN.md), shared by scrapers and engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from operator import attrgetter
from typing import Any, Literal

Unit = Literal["month", "minute", "call", "seat_month", "agent_hour", "quote"]
UNITS: tuple[str, ...] = ("month", "minute", "call", "seat_month", "agent_hour", "quote")
CURRENCIES: tuple[str, ...] = ("USD", "GBP", "EUR", "CAD", "AUD")
MONEY_FIELDS = (
    "price",
    "overage_per_minute",
    "overage_per_call",
    "setup_fee",
    "annual_price_per_month",
)
INT_FIELDS = ("included_minutes", "included_calls", "billing_increment_seconds")


@dataclass(frozen=True, slots=True)
class RatePlan:
    """One offer on a pricing page; exactly the contract's keys. None where the page is silent."""

    name: str | None
    price: Decimal | None
    currency: str | None
    unit: Unit
    included_minutes: int | None = None
    included_calls: int | None = None
    overage_per_minute: Decimal | None = None
    overage_per_call: Decimal | None = None
    setup_fee: Decimal | None = None
    billing_increment_seconds: int | None = None
    annual_price_per_month: Decimal | None = None
    evidence: str | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit {self.unit!r} is not one of {', '.join(UNITS)}")
        if self.unit == "quote" and self.price is not None:
            raise ValueError("a quote-only plan has no price")
        if self.unit != "quote" and self.price is None:
            raise ValueError(f"plan {self.name!r}: unit {self.unit!r} needs a price")
        for key in MONEY_FIELDS:
            value = getattr(self, key)
            if value is not None:
                if not isinstance(value, Decimal):
                    raise TypeError(f"{key} must be a Decimal, got {type(value).__name__}")
                if value < 0:
                    raise ValueError(f"{key} is negative: {value}")

    # Pickled as its values in field order. The default for a slotted dataclass calls fields()
    # for every plan both ways, and a large crawl pickles every plan from its extraction worker.
    def __getstate__(self) -> tuple[Any, ...]:
        return plan_values(self)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(PLAN_FIELDS, state, strict=True):
            object.__setattr__(self, name, value)

    def to_contract(self) -> dict[str, Any]:
        """The plan as the contract's JSON object (money as JSON numbers)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = _json_number(value) if isinstance(value, Decimal) else value
        return out

    @classmethod
    def from_contract(cls, data: dict[str, Any]) -> RatePlan:
        """Read a plan from contract JSON; unknown or missing keys are errors."""
        expected = {f.name for f in fields(cls)}
        if set(data) != expected:
            missing = sorted(expected - set(data))
            extra = sorted(set(data) - expected)
            raise ValueError(f"plan keys differ from the contract: missing {missing}, extra {extra}")
        values = dict(data)
        for key in MONEY_FIELDS:
            if values[key] is not None:
                values[key] = Decimal(str(values[key]))
        return cls(**values)


PLAN_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RatePlan))
# A plan's values in PLAN_FIELDS order, by names looked up once (dataclasses.fields builds its
# tuple on every call).
plan_values = attrgetter(*PLAN_FIELDS)


def _json_number(value: Decimal) -> int | float:
    # Contract JSON carries numbers; integral amounts print without a trailing ".0".
    return int(value) if value == value.to_integral_value() else float(value)
