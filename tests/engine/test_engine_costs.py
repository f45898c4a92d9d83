"""The DESIGN.md cost model on examples/costs.toml, computed by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from benchmark.config import load_costs, load_profile
from benchmark.costs import cost_summary

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
D = Decimal


def test_example_cost_model_by_hand() -> None:
    costs = load_costs(EXAMPLES / "costs.toml")
    s = cost_summary(costs)
    assert s.labor == D("32005.00")  # 8 x 18.50 x 173 x 1.25
    assert s.overhead == D(20300)  # 7000 + 3500 + 5000 + 400 + 600 + 3000 + 800
    assert s.cost_per_seat_month == D("6538.125")  # 52305 / 8
    assert s.cost_floor_per_seat_month == D("7518.84375")  # x 1.15
    # 6538.125 / (173 x 60 x 0.75 = 7785 productive minutes)
    assert s.cost_per_productive_minute.quantize(D("0.000001")) == D("0.839836")


def test_example_profile_cost() -> None:
    costs = load_costs(EXAMPLES / "costs.toml")
    profile = load_profile(EXAMPLES / "profile.toml")
    s = cost_summary(costs, profile)
    # 600 calls x 150 s = 1500 talk minutes; 1500 / 7785 = 0.1927 of a seat
    assert s.seats == D("0.1927")
    assert s.monthly_cost == D("6538.125") * D("0.1927")
    assert s.monthly_floor == D("7518.84375") * D("0.1927")
    assert s.cost_per_call == s.monthly_cost / 600
