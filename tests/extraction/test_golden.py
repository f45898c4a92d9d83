"""Every golden page, all layers, checked field by field against its expected contract output."""

from __future__ import annotations

import pytest

from scrapers.extraction.evaluate import registry_hints, run_case, score_case
from tests.extraction.conftest import FURTHER_CASES, MIRROR_CASES

HINTS = registry_hints()


def test_mirror_has_cases() -> None:
    # The mirror is the project's offline market; an empty one would make the goldens vacuous.
    assert len(MIRROR_CASES) >= 10


@pytest.mark.parametrize("case", MIRROR_CASES + FURTHER_CASES, ids=lambda c: c.case_id)
def test_golden_case(case) -> None:
    got = run_case(case, ("structured", "page_objects", "generic"), HINTS)
    expected = case.expected()
    assert got["url"] == expected["url"]
    score = score_case(case.case_id, expected, got)
    if case in MIRROR_CASES:
        # Every mirror page is read exactly with all layers (page objects where needed).
        assert not score.mismatches, "\n" + "\n".join(score.mismatches)
    else:
        # Further pages measure generalization; they are held to the evaluation's bar only.
        assert score.f1 >= 0.75, "\n" + "\n".join(score.mismatches)
