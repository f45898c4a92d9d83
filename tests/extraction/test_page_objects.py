"""Page objects: registered per domain, used only where they apply, never losing the page."""

from __future__ import annotations

from benchmark.model import RatePlan
from scrapers.extraction import extract_plans
from scrapers.extraction.evaluate import registry_hints, run_case, score_case
from scrapers.extraction.pages import PricingPage, page_object_for, register
from tests.extraction.conftest import MIRROR_CASES

ALL = ("structured", "page_objects", "generic")
GENERIC_PAGE = "<html><body><div><h3>Solo</h3><p>$89/mo</p><p>40 minutes</p></div></body></html>"


def test_page_objects_are_registered_by_host_with_or_without_www() -> None:
    for host in ("www.goodcall.com", "goodcall.com", "ctnp-corp.com", "www.answerforce.com"):
        cls = page_object_for(host)
        assert cls is not None and issubclass(cls, PricingPage), host
    assert page_object_for("www.example.com") is None
    assert page_object_for(None) is None


def test_each_page_object_is_needed_on_its_mirror_pages() -> None:
    # A page object earns its place: on its pages the generic layer alone is not exact, all
    # layers are.
    hints = registry_hints()
    covered = [c for c in MIRROR_CASES if c.url and page_object_for(c.url.split("/")[2])]
    assert {c.url.split("/")[2] for c in covered} == {
        "www.goodcall.com",
        "ctnp-corp.com",
        "www.answerforce.com",
    }
    for case in covered:
        expected = case.expected()
        generic = score_case(case.case_id, expected, run_case(case, ["generic"], hints))
        exact = score_case(case.case_id, expected, run_case(case, ALL, hints))
        assert generic.mismatches, case.case_id
        assert not exact.mismatches, "\n".join(exact.mismatches)


def test_other_pages_of_a_covered_host_go_to_the_generic_layer() -> None:
    # goodcall.com's page object reads its pricing table; a page without it returns None.
    result = extract_plans(GENERIC_PAGE, "https://www.goodcall.com/blog/plans")
    assert [(p.name, str(p.price), p.included_minutes) for p in result.plans] == [
        ("Solo", "89", 40)
    ]


def test_page_objects_off_reads_with_the_generic_layer() -> None:
    page = next(c for c in MIRROR_CASES if "goodcall.com" in (c.url or ""))
    result = extract_plans(page.html(), page.url, layers=("structured", "generic"))
    assert result.plans and all(p.included_calls is None for p in result.plans)


def test_a_failing_page_object_is_a_warning_and_the_generic_layer_runs() -> None:
    @register("broken.page-object.test")
    class Broken(PricingPage):
        def plans(self) -> list[RatePlan] | None:
            raise RuntimeError("selector drifted")

    result = extract_plans(GENERIC_PAGE, "https://broken.page-object.test/pricing")
    assert any("Broken failed: selector drifted" in w for w in result.warnings)
    assert [p.name for p in result.plans] == ["Solo"]
