"""Every golden page, all layers, checked field by field against its expected contract output."""

from __future__ import annotations

import pytest

from scrapers.extraction.evaluate import registry_hints, run_case, score_case
from tests.extraction.conftest import FURTHER_CASES, MIRROR_CASES

HINTS = registry_hints()

# Mirror pages that all layers do not yet read exactly: they need a page object (or a generic
# fix). Strict xfail: a page that starts passing must be taken off this list.
NOT_YET_EXACT = {
    "2026-10-07/ctnp-corp.com/outsourcing-cost-calculators-and-the-reality-of-labor-economics-what-one-agent-in-cebu-actually-costs-and-why-sustainable-outsourcing-now-starts-at-7-8-per-hour",
    "2026-10-07/www.answerforce.com/pricing",
    "2026-10-07/www.goodcall.com/pricing",
    "2026-11-07/www.goodcall.com/pricing",
}


def test_mirror_has_cases() -> None:
    # The mirror is the project's offline market; an empty one would make the goldens vacuous.
    assert len(MIRROR_CASES) >= 10


def _param(case):
    key = case.case_id.removeprefix("snapshots/")
    marks = [pytest.mark.xfail(strict=True, reason="needs a page object")] if (
        key in NOT_YET_EXACT
    ) else []
    return pytest.param(case, id=case.case_id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in MIRROR_CASES + FURTHER_CASES])
def test_golden_case(case) -> None:
    got = run_case(case, ("structured", "page_objects", "generic"), HINTS)
    expected = case.expected()
    assert got["url"] == expected["url"]
    score = score_case(case.case_id, expected, got)
    if case in MIRROR_CASES:
        assert not score.mismatches, "\n" + "\n".join(score.mismatches)
    else:
        # Further pages measure generalization; they are held to the evaluation's bar only.
        assert score.f1 >= 0.75, "\n" + "\n".join(score.mismatches)
