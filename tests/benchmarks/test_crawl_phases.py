"""The crawl benchmark's split of a crawl's time at its first and last response."""

from __future__ import annotations

import pytest

from benchmarks.crawl_child import phases


def test_phases_split_the_timed_span_at_the_first_and_last_response() -> None:
    stats = {
        "benchmarks/first_response": 100.0,
        "benchmarks/last_response": 104.0,
        "benchmarks/engine_stopped": 105.25,
    }
    split = phases(stats, seconds=5.75)
    assert split == pytest.approx({"start_s": 0.5, "fetch_s": 4.0, "close_s": 1.25})
    assert sum(split.values()) == pytest.approx(5.75)


def test_a_crawl_without_responses_has_no_phases() -> None:
    assert phases({"benchmarks/engine_stopped": 3.0}, seconds=1.0) == {}
