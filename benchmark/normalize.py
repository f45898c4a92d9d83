"""What a competitor's invoice would show for a usage profile (pure; no database here).

Billed talk time. Each call is rounded up to the plan's billing increment g. With a call length
X, the billed seconds are g·ceil(X/g), whose expected value is exactly g·Σ_{k≥0} P(X > k·g).
Call lengths follow a lognormal distribution with the profile's average handle time as mean and
`call_length_cv` (default 1.0) as coefficient of variation — call durations are right-skewed,
and a lognormal with CV≈1 fits published call-length data about as well as an exponential while
having no mass at zero. CV 0 means every call lasts exactly the average. The sum is evaluated
term by term until the survival function falls under 1e-13, so the result is deterministic; it
always lies in [mean, mean + g). The monthly total is calls × that expectation (a month holds
hundreds of calls, so the total concentrates on its mean; overage uses that mean).

Increment: the plan's, else the competitor's published billing rule, else 60 s (flagged as
assumed — whole minutes is the most common rule among human services).

Plans by unit:
    month       base fee (annual price per month when the profile bills yearly and the page shows
                one) + included minutes or calls consumed first, then overage; usage beyond the
                bundle with no published overage rate cannot be priced (said, not guessed)
    minute      price × billed minutes
    call        price × calls
    seat_month  price × dedicated seats (Erlang C positions over coverage hours / seat hours,
                grossed up for shrinkage, whole seats)
    agent_hour  price × staffed hours (Erlang C positions × coverage hours)
    quote       cannot be priced: quote only
A setup fee is spread over 12 months.

Coverage hours per month: business hours = 10 h × 5 days × 52/12 weeks ≈ 216.7 h;
24/7 = 24 × 365 / 12 = 730 h. Calls are spread evenly over the coverage hours for Erlang C.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache

from benchmark.config import Profile
from benchmark.erlang import staffing

COVERAGE_HOURS: dict[str, Decimal] = {
    "business_hours": Decimal(50) * Decimal(52) / Decimal(12),
    "24/7": Decimal(24 * 365) / Decimal(12),
}
DEFAULT_INCREMENT_SECONDS = 60
# Occupancy of a shared answering pool, used only to express a shared client's bill per seat.
MARKET_SHARED_OCCUPANCY = Decimal("0.75")
SETUP_AMORTIZATION_MONTHS = Decimal(12)
PRECISION = Decimal("0.000001")


@cache
def expected_billed_seconds(mean_seconds: float, cv: float, increment: int) -> float:
    """E[g·ceil(X/g)] for lognormal X with the given mean and coefficient of variation."""
    if mean_seconds <= 0:
        raise ValueError("mean call length must be positive")
    if increment < 1:
        raise ValueError("billing increment must be at least 1 second")
    if cv == 0:
        return increment * math.ceil(mean_seconds / increment - 1e-12)
    sigma2 = math.log1p(cv * cv)
    sigma = math.sqrt(sigma2)
    mu = math.log(mean_seconds) - sigma2 / 2

    def survival(x: float) -> float:
        if x <= 0:
            return 1.0
        return 0.5 * math.erfc((math.log(x) - mu) / (sigma * math.sqrt(2)))

    terms = []
    k = 0
    while True:
        s = survival(k * increment)
        if s < 1e-13:
            break
        terms.append(s)
        k += 1
    return increment * math.fsum(terms)


@dataclass(frozen=True, slots=True)
class Usage:
    """A profile turned into the quantities invoices are built from."""

    calls: int
    aht_seconds: Decimal
    call_length_cv: Decimal
    coverage_hours: Decimal
    calls_per_hour: float
    positions: int
    service_level: float
    staffed_hours: Decimal
    dedicated_seats: int
    seats: Decimal
    talk_minutes: Decimal

    def billed_minutes(self, increment_seconds: int) -> Decimal:
        """Expected billed minutes per month at this increment."""
        per_call = expected_billed_seconds(
            float(self.aht_seconds), float(self.call_length_cv), int(increment_seconds)
        )
        return (Decimal(repr(per_call)) * self.calls / Decimal(60)).quantize(PRECISION)


def usage_for(profile: Profile) -> Usage:
    """Erlang C staffing and seat counts for a profile."""
    hours = COVERAGE_HOURS[profile.coverage]
    calls_per_hour = profile.calls_per_month / float(hours)
    staff = staffing(
        calls_per_hour,
        float(profile.average_handle_seconds),
        float(profile.service_level),
        float(profile.answer_within_seconds),
        float(profile.shrinkage),
    )
    staffed = Decimal(staff.agents) * hours
    dedicated = staffed / (profile.seat_hours_per_month * (1 - profile.shrinkage))
    dedicated_seats = max(1, math.ceil(dedicated - Decimal("1e-9")))
    if profile.effective_seating == "shared":
        seats = profile.talk_minutes / (profile.seat_hours_per_month * 60 * MARKET_SHARED_OCCUPANCY)
    else:
        seats = dedicated
    return Usage(
        calls=profile.calls_per_month,
        aht_seconds=profile.average_handle_seconds,
        call_length_cv=profile.call_length_cv,
        coverage_hours=hours,
        calls_per_hour=calls_per_hour,
        positions=staff.agents,
        service_level=staff.service_level,
        staffed_hours=staffed,
        dedicated_seats=dedicated_seats,
        seats=seats.quantize(PRECISION),
        talk_minutes=profile.talk_minutes,
    )


@dataclass(frozen=True, slots=True)
class ObservedPlan:
    """One plan from a competitor's latest good observation."""

    competitor_id: str
    plan_name: str | None
    unit: str
    price: Decimal | None
    currency: str
    included_minutes: int | None = None
    included_calls: int | None = None
    overage_per_minute: Decimal | None = None
    overage_per_call: Decimal | None = None
    setup_fee: Decimal | None = None
    billing_increment_seconds: int | None = None
    annual_price_per_month: Decimal | None = None
    competitor_increment_seconds: int | None = None
    fetched_at: datetime | None = None
    url: str | None = None
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """A plan's monthly bill for a profile in the plan's own currency, or why there is none."""

    plan: ObservedPlan
    monthly_cost: Decimal | None
    reason: str | None = None
    billed_minutes: Decimal | None = None
    increment_seconds: int | None = None
    increment_assumed: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)

    @property
    def priced(self) -> bool:
        return self.monthly_cost is not None


def _increment(plan: ObservedPlan) -> tuple[int, bool]:
    if plan.billing_increment_seconds:
        return plan.billing_increment_seconds, False
    if plan.competitor_increment_seconds:
        return plan.competitor_increment_seconds, False
    return DEFAULT_INCREMENT_SECONDS, True


def price_plan(plan: ObservedPlan, usage: Usage, billing: str = "monthly") -> PlanPrice:
    """The monthly bill this plan gives the usage, in the plan's currency."""
    if plan.unit == "quote" or plan.price is None:
        return PlanPrice(plan, None, "quote only: no price published")
    increment, assumed = _increment(plan)
    lines: list[str] = []
    billed: Decimal | None = None
    base = plan.price
    if plan.unit == "month":
        if billing == "yearly" and plan.annual_price_per_month is not None:
            base = plan.annual_price_per_month
            lines.append(f"base {base} {plan.currency}/month billed yearly")
        else:
            lines.append(f"base {base} {plan.currency}/month")
        cost = base
        if plan.included_calls is not None and plan.included_minutes is None:
            extra = max(0, usage.calls - plan.included_calls)
            if extra:
                if plan.overage_per_call is None:
                    return PlanPrice(
                        plan, None,
                        f"{usage.calls} calls exceed the {plan.included_calls} included and "
                        "no per-call overage rate is published",
                    )
                cost += plan.overage_per_call * extra
                lines.append(f"{extra} calls over the bundle at {plan.overage_per_call}")
        elif plan.included_minutes is not None or plan.overage_per_minute is not None:
            included = Decimal(plan.included_minutes or 0)
            billed = usage.billed_minutes(increment)
            extra_minutes = max(Decimal(0), billed - included)
            if extra_minutes > 0:
                if plan.overage_per_minute is None:
                    return PlanPrice(
                        plan, None,
                        f"{billed:.1f} billed minutes exceed the {included} included and no "
                        "per-minute overage rate is published",
                        billed, increment, assumed,
                    )
                cost += plan.overage_per_minute * extra_minutes
                lines.append(
                    f"{extra_minutes:.1f} minutes over the bundle at {plan.overage_per_minute}"
                )
        # neither minutes nor calls named: a flat fee (e.g. "unlimited calls")
    elif plan.unit == "minute":
        billed = usage.billed_minutes(increment)
        cost = plan.price * billed
        lines.append(f"{billed:.1f} billed minutes at {plan.price}")
    elif plan.unit == "call":
        cost = plan.price * usage.calls
        lines.append(f"{usage.calls} calls at {plan.price}")
    elif plan.unit == "seat_month":
        cost = plan.price * usage.dedicated_seats
        lines.append(f"{usage.dedicated_seats} seats at {plan.price}")
    elif plan.unit == "agent_hour":
        cost = plan.price * usage.staffed_hours
        lines.append(f"{usage.staffed_hours:.1f} staffed agent hours at {plan.price}")
    else:
        return PlanPrice(plan, None, f"unit {plan.unit!r} cannot be priced")
    if plan.setup_fee:
        cost += plan.setup_fee / SETUP_AMORTIZATION_MONTHS
        lines.append(f"setup fee {plan.setup_fee} spread over 12 months")
    if assumed and billed is not None:
        lines.append(f"billing increment not published: {increment} s assumed")
    return PlanPrice(plan, cost.quantize(PRECISION), None, billed, increment, assumed, tuple(lines))


def cheapest(prices: list[PlanPrice], convert: callable | None = None) -> PlanPrice | None:  # type: ignore[valid-type]
    """The priced plan with the lowest monthly bill (after `convert`, if given)."""
    priced = [p for p in prices if p.priced]
    if not priced:
        return None
    key = (lambda p: convert(p)) if convert else (lambda p: p.monthly_cost)
    return min(priced, key=lambda p: (key(p), p.plan.plan_name or ""))
