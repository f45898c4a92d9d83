"""Invoices by pricing model, increment and bundle, computed by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.config import profile_from_dict
from benchmark.normalize import (
    COVERAGE_HOURS,
    ObservedPlan,
    cheapest,
    expected_billed_seconds,
    price_plan,
    usage_for,
)

D = Decimal


def profile(calls: int = 300, aht: int = 70, cv: str = "0", **extra: object):
    return profile_from_dict({"profile": {"name": "t", "calls_per_month": calls,
                                          "average_handle_seconds": aht,
                                          "call_length_cv": D(cv), **extra}})


def month(price: str, minutes: int | None = None, over: str | None = None, **kw: object):
    return ObservedPlan("c", "p", "month", D(price), "USD", included_minutes=minutes,
                        overage_per_minute=D(over) if over else None, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("increment", "billed"), [(1, 350), (30, 450), (60, 600)])
def test_sb_example_constant_70_second_calls(increment: int, billed: int) -> None:
    # market_prices.md S-B: 300 calls x 70 s = 350 / 450 / 600 billed minutes at 1/30/60 s.
    usage = usage_for(profile(300, 70, "0"))
    assert usage.billed_minutes(increment) == D(billed)


@pytest.mark.parametrize("increment", [1, 6, 30, 60])
def test_spread_of_call_lengths_bills_more_than_the_unrounded_mean(increment: int) -> None:
    usage = usage_for(profile(300, 70, "1.0"))
    billed = usage.billed_minutes(increment)
    assert billed > D(350)  # rounding each call up always costs something
    assert billed < D(350) + D(300 * increment) / 60  # but less than one increment per call
    # Hand check at 1 s: lognormal calls add about half a second each: 300 x 0.5 s = 2.5 min.
    if increment == 1:
        assert billed == pytest.approx(D("352.5"), abs=D("0.01"))


def test_spread_changes_the_answer_compared_with_constant_calls() -> None:
    # 70 s calls at whole-minute billing: constant -> 2 min each; with a spread, many short
    # calls bill one minute, so the expectation (504 min) differs from the constant case (600).
    assert expected_billed_seconds(70.0, 1.0, 60) * 300 / 60 == pytest.approx(504.2, abs=0.1)


def test_bundle_then_overage_with_setup_fee() -> None:
    # AnswerConnect Entry: $350 for 200 min, $2.50/min over, $49.99 setup; whole-minute billing.
    usage = usage_for(profile(300, 70, "0"))  # 600 billed minutes
    plan = month("350", 200, "2.50", setup_fee=D("49.99"), billing_increment_seconds=60)
    priced = price_plan(plan, usage)
    # 350 + 400 x 2.50 + 49.99 / 12 = 1354.165833 (to 6 places)
    assert priced.monthly_cost == D("1354.165833")


def test_bundle_covers_usage_no_overage() -> None:
    usage = usage_for(profile(100, 60, "0"))  # 100 minutes
    assert price_plan(month("189", 100, "2.09", billing_increment_seconds=6), usage).monthly_cost == D(189)


def test_missing_overage_beyond_bundle_is_said_not_guessed() -> None:
    usage = usage_for(profile(300, 70, "0"))
    priced = price_plan(month("395", 100, None, billing_increment_seconds=30), usage)
    assert priced.monthly_cost is None
    assert "no per-minute overage rate" in (priced.reason or "")


def test_per_minute_per_call_and_quote() -> None:
    usage = usage_for(profile(300, 70, "0"))
    per_minute = ObservedPlan("c", "payg", "minute", D("0.85"), "GBP", billing_increment_seconds=1)
    assert price_plan(per_minute, usage).monthly_cost == D("0.85") * 350
    per_call = ObservedPlan("c", "30 calls", "month", D("300"), "USD", included_calls=30,
                            overage_per_call=D("11.50"))
    assert price_plan(per_call, usage).monthly_cost == D(300) + 270 * D("11.50")
    pure_call = ObservedPlan("c", "call", "call", D("2.49"), "USD")
    assert price_plan(pure_call, usage).monthly_cost == D("2.49") * 300
    quote = ObservedPlan("c", "Custom", "quote", None, "USD")
    assert price_plan(quote, usage).reason == "quote only: no price published"


def test_increment_falls_back_to_competitor_rule_then_60s_flagged() -> None:
    usage = usage_for(profile(300, 70, "0"))
    plan = month("0", 0, "1", competitor_increment_seconds=30)
    assert price_plan(plan, usage).monthly_cost == D(450)
    assumed = price_plan(month("0", 0, "1"), usage)
    assert assumed.monthly_cost == D(600) and assumed.increment_assumed
    assert any("assumed" in line for line in assumed.lines)


def test_seat_month_and_agent_hour_use_erlang_c_over_coverage() -> None:
    p = profile(20000, 300, "1.0", service_type="call_center", shrinkage=D("0.30"))
    usage = usage_for(p)
    hours = COVERAGE_HOURS["business_hours"]
    calls_per_hour = 20000 / float(hours)
    from benchmark.erlang import staffing

    agents = staffing(calls_per_hour, 300, 0.80, 20).agents
    assert usage.positions == agents
    hourly = ObservedPlan("c", "hour", "agent_hour", D("8"), "USD")
    assert price_plan(hourly, usage).monthly_cost == (D(8) * agents * hours).quantize(D("0.000001"))
    seat = ObservedPlan("c", "seat", "seat_month", D("1900"), "USD", setup_fee=D("600"))
    seats = math.ceil(agents * hours / (D(173) * D("0.7")))  # 11 x 216.7 h / 121.1 h -> 20
    assert usage.dedicated_seats == seats == 20
    assert price_plan(seat, usage).monthly_cost == D(1900) * seats + D(50)


def test_yearly_billing_uses_the_annual_price_when_shown() -> None:
    usage = usage_for(profile(10, 60, "0"))
    plan = month("99", 200, "0.25", annual_price_per_month=D("79"))
    assert price_plan(plan, usage, "monthly").monthly_cost == D(99)
    assert price_plan(plan, usage, "yearly").monthly_cost == D(79)
    no_annual = month("99", 200, "0.25")
    assert price_plan(no_annual, usage, "yearly").monthly_cost == D(99)


def test_cheapest_plan_is_chosen() -> None:
    # PATLive ladder at 300 calls x 70 s, 6 s increments (constant calls: 72 s -> 360 min).
    usage = usage_for(profile(300, 70, "0"))
    ladder = [month("49", 0, "2.99"), month("99", 50, "2.29"), month("189", 100, "2.09"),
              month("479", 300, "1.89"), month("759", 500, "1.79")]
    ladder = [ObservedPlan("patlive", f"{p.included_minutes} min", p.unit, p.price, p.currency,
                           included_minutes=p.included_minutes,
                           overage_per_minute=p.overage_per_minute, billing_increment_seconds=6)
              for p in ladder]
    priced = [price_plan(p, usage) for p in ladder]
    best = cheapest(priced)
    assert usage.billed_minutes(6) == D(360)
    assert best is not None and best.plan.plan_name == "300 min"
    assert best.monthly_cost == D(479) + 60 * D("1.89")  # 592.40, under 759 and 189 + 260 x 2.09


plans_strategy = st.lists(
    st.tuples(st.integers(0, 2000), st.decimals("1", "2000", places=2),
              st.decimals("0.10", "4", places=2)),
    min_size=1, max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(plans=plans_strategy, calls=st.integers(1, 3000), extra=st.integers(1, 3000),
       aht=st.integers(20, 600), increment=st.sampled_from([1, 6, 30, 60]))
def test_effective_cost_never_falls_as_usage_grows(plans, calls, extra, aht, increment) -> None:
    def best(n: int) -> Decimal:
        usage = usage_for(profile(n, aht, "1.0"))
        prices = [price_plan(ObservedPlan("c", str(i), "month", price, "USD", included_minutes=m,
                                          overage_per_minute=over,
                                          billing_increment_seconds=increment), usage)
                  for i, (m, price, over) in enumerate(plans)]
        chosen = cheapest(prices)
        assert chosen is not None and chosen.monthly_cost is not None
        return chosen.monthly_cost

    assert best(calls + extra) >= best(calls)
