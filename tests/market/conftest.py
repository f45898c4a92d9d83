"""Shared fixtures for the offline-market tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scrapers.market.server import MarketServer
from scrapers.market.snapshots import available_snapshots


@pytest.fixture(scope="module")
def snapshots() -> list[str]:
    dates = available_snapshots()
    assert len(dates) >= 2
    return dates


@pytest.fixture(scope="module")
def served_second(snapshots: list[str]) -> Iterator[MarketServer]:
    """The second snapshot served on a random loopback port."""
    with MarketServer(snapshots[1]) as server:
        yield server
