"""Pipelines, URL mapping and the run verdict, in process (no crawl needed for these rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from scrapers.items import PlanObservation
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
    return ValidatePlanPipeline().process_item(NormalizePlanPipeline().process_item(item))


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
    assert dedupe.process_item(plan())
    # The same plan on another page of the same competitor (evidence differs): a duplicate.
    with pytest.raises(DuplicatePlan, match="duplicate of the same plan on"):
        dedupe.process_item(plan(url="https://www.ruby.com/plans/", evidence="$250 a month"))
    assert dedupe.process_item(plan(competitor_id="other"))
    assert dedupe.process_item(plan(price=Decimal("260")))


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
