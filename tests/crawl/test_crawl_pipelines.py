"""Pipelines, URL mapping and the run verdict, in process (no crawl needed for these rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from scrapers.items import FetchRecord, PlanObservation
from scrapers.middlewares import from_mirror, to_mirror
from scrapers.pipelines import (
    DeduplicatePlanPipeline,
    DuplicatePlan,
    NormalizePlanPipeline,
    RejectedPlan,
    ValidatePlanPipeline,
)
from scrapers.runner import judge_run

MIRROR = "http://127.0.0.1:8123"


def plan(**overrides: object) -> PlanObservation:
    values: dict[str, object] = {
        "competitor_id": "ruby",
        "url": "https://www.ruby.com/pricing/",
        "final_url": "https://www.ruby.com/pricing/",
        "fetched_at": datetime(2026, 10, 7, tzinfo=UTC),
        "content_hash": "ab" * 32,
        "name": "Starter",
        "price": Decimal("250"),
        "currency": "USD",
        "unit": "month",
        "included_minutes": 50,
        "evidence": "$250/mo",
        "registry_currency": "USD",
    }
    values.update(overrides)
    return PlanObservation(**values)  # type: ignore[arg-type]


def through(item: PlanObservation) -> PlanObservation:
    return ValidatePlanPipeline().validate(NormalizePlanPipeline().normalize(item))


def page(*plans: PlanObservation, url: str = "https://www.ruby.com/pricing/") -> FetchRecord:
    return FetchRecord(competitor_id="ruby", url=url, final_url=url, status=200,
                       fetched_at=datetime(2026, 10, 7, tzinfo=UTC), content_hash="ab" * 32,
                       body=b"<html></html>", ok=True, plans_found=len(plans),
                       plans=list(plans))  # fmt: skip


def test_mirror_urls_map_both_ways() -> None:
    assert to_mirror("https://www.ruby.com/pricing/", MIRROR) == f"{MIRROR}/www.ruby.com/pricing/"
    assert to_mirror("https://smith.ai/pricing?x=1", MIRROR + "/") == f"{MIRROR}/smith.ai/pricing?x=1"
    assert to_mirror("https://ex.com", MIRROR) == f"{MIRROR}/ex.com/"
    assert (
        from_mirror(f"{MIRROR}/www.moneypenny.com/us/pricing/", MIRROR)
        == "https://www.moneypenny.com/us/pricing/"
    )
    assert from_mirror("https://ex.com/a", MIRROR) == "https://ex.com/a"
    assert from_mirror(f"{MIRROR}/ex.com/a", None) == f"{MIRROR}/ex.com/a"


def test_normalize_makes_decimals_iso_currency_and_contract_units() -> None:
    item = through(
        plan(price=Decimal("19.999"), currency=" gbp ", unit="Per Minute", name=" Pay  as\nyou go ")
    )
    assert item.price == Decimal("19.9990") and item.price.as_tuple().exponent == -4
    assert (item.currency, item.unit, item.name) == ("GBP", "minute", "Pay as you go")
    quote = through(plan(price=None, unit="quote", currency=None, registry_currency="GBP"))
    assert quote.currency == "GBP"


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"currency": "XYZ"}, "unknown currency 'XYZ'"),
        ({"currency": None}, "unknown currency None"),
        ({"price": None}, "no price for unit 'month'"),
        ({"price": Decimal("-5")}, "price is negative"),
        ({"setup_fee": Decimal("-1")}, "setup_fee is negative"),
        ({"price": Decimal("2.5"), "unit": "seat_month"}, "outside the sane range"),
        ({"price": Decimal("2000"), "unit": "minute"}, "outside the sane range"),
        ({"evidence": "   "}, "no evidence text"),
        ({"unit": "fortnight"}, "unknown unit 'fortnight'"),
        ({"price": "twelve"}, "price 'twelve' is not a number"),
    ],
)
def test_validation_rejects_with_a_reason_naming_the_plan(
    overrides: dict[str, object], problem: str
) -> None:
    with pytest.raises(RejectedPlan) as caught:
        through(plan(**overrides))
    message = str(caught.value)
    assert problem in message
    assert message.startswith("ruby https://www.ruby.com/pricing/ plan 'Starter'")


def test_quote_plan_without_price_passes_and_priced_quote_fails() -> None:
    assert through(plan(price=None, unit="quote")).price is None
    with pytest.raises(RejectedPlan, match="quote-only plan carries a price"):
        through(plan(unit="quote"))


def test_duplicates_are_dropped_per_competitor() -> None:
    dedupe = DeduplicatePlanPipeline()
    assert dedupe.check(plan())
    # The same plan on another page of the same competitor (evidence differs): a duplicate.
    with pytest.raises(DuplicatePlan, match="duplicate of the same plan on"):
        dedupe.check(plan(url="https://www.ruby.com/plans/", evidence="$250 a month"))
    assert dedupe.check(plan(competitor_id="other"))
    assert dedupe.check(plan(price=Decimal("260")))


def test_a_page_keeps_its_good_plans_and_lists_the_rejected_with_reasons() -> None:
    good, negative, priced_quote = (
        plan(name="Starter"), plan(name="Broken", price=Decimal("-5")),
        plan(name="Custom", unit="quote", price=Decimal("9")),
    )  # fmt: skip
    item = page(good, negative, priced_quote)
    for pipeline in (NormalizePlanPipeline(), ValidatePlanPipeline(), DeduplicatePlanPipeline()):
        item = pipeline.process_item(item)
    assert [p.name for p in item.plans] == ["Starter"]
    assert [(p.name, reason.split(": ", 1)[1]) for p, reason in item.rejected] == [
        ("Broken", "price is negative (-5.0000)"),
        ("Custom", "quote-only plan carries a price 9.0000"),
    ]
    assert item.ok and item.plans_found == 3  # the page itself is still a good fetch


def test_a_plan_seen_on_an_earlier_page_is_dropped_from_the_later_one() -> None:
    dedupe = DeduplicatePlanPipeline()
    first = dedupe.process_item(page(plan(name="Starter"), plan(name="Pro", price=Decimal("400"))))
    second = dedupe.process_item(page(plan(name="Starter", evidence="$250 a month"),
                                      url="https://www.ruby.com/plans/"))
    assert [p.name for p in first.plans] == ["Starter", "Pro"]
    assert second.plans == [] and second.rejected == []  # a duplicate is not a reject
    failed = FetchRecord(competitor_id="ruby", url="https://www.ruby.com/x", final_url=None,
                         status=None, fetched_at=datetime(2026, 10, 7, tzinfo=UTC),
                         content_hash=None, body=None, ok=False, error="timeout")
    assert dedupe.process_item(failed) is failed


def test_judge_run() -> None:
    base = {"finish_reason": "finished", "pages_ok": 3, "pages_failed": 0,
            "competitors_without_plans": []}  # fmt: skip
    assert judge_run(**base) == "ok"
    assert judge_run(**{**base, "pages_failed": 1}) == "degraded"
    assert judge_run(**{**base, "competitors_without_plans": ["x"]}) == "degraded"
    assert judge_run(**base, degraded_competitors=["x"]) == "degraded"
    assert judge_run(**{**base, "pages_ok": 0}) == "failed"
    assert judge_run(**{**base, "finish_reason": "shutdown"}) == "failed"
    assert judge_run(**base, write_error="locked") == "failed"
