"""The business's own costs (DESIGN.md cost model, exactly) and what a profile costs us.

    labor        = operators.count × hourly_wage × paid_hours_per_month × (1 + burden_rate)
    overhead     = sum(staff) + sum(fixed)
    cost_per_seat_month        = (labor + overhead) / operators.count
    cost_floor_per_seat_month  = cost_per_seat_month × (1 + min_margin)
    cost_per_productive_minute = cost_per_seat_month / (paid_hours_per_month × 60 × occupancy)

Seats a profile takes (`profile_seats`): a shared-operator client uses the fraction of a seat its
talk time fills at our occupancy; a dedicated client takes the Erlang C positions over its
coverage hours, divided by a seat's paid hours and grossed up for shrinkage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from benchmark.config import Costs, Profile
from benchmark.normalize import Usage, usage_for

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class CostSummary:
    currency: str
    labor: Decimal
    overhead: Decimal
    cost_per_seat_month: Decimal
    cost_floor_per_seat_month: Decimal
    cost_per_productive_minute: Decimal
    # for a profile (None without one)
    seats: Decimal | None = None
    monthly_cost: Decimal | None = None
    monthly_floor: Decimal | None = None
    cost_per_call: Decimal | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            key: (None if value is None else str(money(value) if key != "seats" else value))
            if isinstance(value, Decimal) or value is None
            else value
            for key, value in (
                ("currency", self.currency),
                ("labor", self.labor),
                ("overhead", self.overhead),
                ("cost_per_seat_month", self.cost_per_seat_month),
                ("cost_floor_per_seat_month", self.cost_floor_per_seat_month),
                ("cost_per_productive_minute", self.cost_per_productive_minute),
                ("seats", self.seats),
                ("monthly_cost", self.monthly_cost),
                ("monthly_floor", self.monthly_floor),
                ("cost_per_call", self.cost_per_call),
            )
        }


def labor(costs: Costs) -> Decimal:
    return (
        Decimal(costs.operator_count)
        * costs.hourly_wage
        * costs.paid_hours_per_month
        * (1 + costs.burden_rate)
    )


def overhead(costs: Costs) -> Decimal:
    return sum(costs.staff.values(), Decimal(0)) + sum(costs.fixed.values(), Decimal(0))


def cost_per_seat_month(costs: Costs) -> Decimal:
    return (labor(costs) + overhead(costs)) / Decimal(costs.operator_count)


def cost_floor_per_seat_month(costs: Costs) -> Decimal:
    return cost_per_seat_month(costs) * (1 + costs.min_margin)


def cost_per_productive_minute(costs: Costs) -> Decimal:
    return cost_per_seat_month(costs) / (costs.paid_hours_per_month * 60 * costs.occupancy)


def profile_seats(costs: Costs, profile: Profile, usage: Usage | None = None) -> Decimal:
    """Seats (possibly a fraction for shared operators) this profile takes from us."""
    usage = usage or usage_for(profile)
    if profile.effective_seating == "shared":
        productive_minutes_per_seat = costs.paid_hours_per_month * 60 * costs.occupancy
        return (profile.talk_minutes / productive_minutes_per_seat).quantize(Decimal("0.0001"))
    staffed = Decimal(usage.positions) * usage.coverage_hours
    return (staffed / (costs.paid_hours_per_month * (1 - profile.shrinkage))).quantize(
        Decimal("0.0001")
    )


def cost_summary(costs: Costs, profile: Profile | None = None) -> CostSummary:
    """Every figure of the cost model, and, with a profile, what serving it costs us."""
    per_seat = cost_per_seat_month(costs)
    floor = cost_floor_per_seat_month(costs)
    summary = CostSummary(
        currency=costs.currency,
        labor=labor(costs),
        overhead=overhead(costs),
        cost_per_seat_month=per_seat,
        cost_floor_per_seat_month=floor,
        cost_per_productive_minute=cost_per_productive_minute(costs),
    )
    if profile is None:
        return summary
    seats = profile_seats(costs, profile)
    monthly = per_seat * seats
    return CostSummary(
        **{k: getattr(summary, k) for k in summary.__slots__ if k not in {
            "seats", "monthly_cost", "monthly_floor", "cost_per_call"}},
        seats=seats,
        monthly_cost=monthly,
        monthly_floor=floor * seats,
        cost_per_call=monthly / Decimal(profile.calls_per_month),
    )
