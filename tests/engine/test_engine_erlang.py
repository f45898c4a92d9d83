"""Erlang C against published table values."""

from __future__ import annotations

import math

import pytest

from benchmark.erlang import erlang_b, erlang_c, service_level, staffing


@pytest.mark.parametrize(
    ("agents", "published"),
    # Erlang C probability of waiting for A = 10 Erlangs (standard Erlang C tables).
    [(11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741), (15, 0.1020)],
)
def test_erlang_c_matches_published_table(agents: int, published: float) -> None:
    assert erlang_c(10.0, agents) == pytest.approx(published, abs=5e-4)


def test_erlang_b_published_value() -> None:
    # Erlang B table: A = 5 Erlangs on 10 lines blocks 1.84 % of calls.
    assert erlang_b(5.0, 10) == pytest.approx(0.01838, abs=5e-5)


def test_textbook_staffing_200_calls_an_hour_180_s() -> None:
    # 200 calls/h x 180 s = 10 Erlangs; 13 agents reach only 79.6 % in 20 s, 14 reach 88.8 %.
    assert service_level(10.0, 13, 180, 20) == pytest.approx(0.7956, abs=5e-4)
    result = staffing(200, 180, 0.80, 20)
    assert result.agents == 14
    assert result.service_level == pytest.approx(0.8884, abs=5e-4)
    assert result.occupancy == pytest.approx(10 / 14)
    assert result.traffic_erlangs == pytest.approx(10.0)


def test_shrinkage_grosses_up_scheduled_agents() -> None:
    result = staffing(200, 180, 0.80, 20, shrinkage=0.30)
    assert result.agents == 14
    assert result.scheduled_agents == math.ceil(14 / 0.7)


def test_large_traffic_is_numerically_stable() -> None:
    # 1,000 Erlangs would overflow a^N / N! formulas; the recursion stays finite and sensible.
    result = staffing(20000, 180, 0.80, 20)
    assert 1000 < result.agents < 1060
    assert 0.8 <= result.service_level < 1
    assert result.occupancy > 0.94


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="calls per hour"):
        staffing(0, 180)
    with pytest.raises(ValueError, match="service level"):
        staffing(10, 180, 1.5)
