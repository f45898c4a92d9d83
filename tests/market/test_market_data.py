"""The offline market's pages and golden outputs: coverage, contract keys, evidence, changes."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import lxml.html
import pytest
from protego import Protego

from benchmark.model import RatePlan
from scrapers.market.snapshots import (
    SNAPSHOTS_DIR,
    final_resolution,
    golden_cases,
    load_rules,
    merged_robots,
    mirror_path,
    real_url,
)
from scrapers.registry import load_registry

CONTRACT_KEYS = {
    "name", "price", "currency", "unit", "included_minutes", "included_calls",
    "overage_per_minute", "overage_per_call", "setup_fee", "billing_increment_seconds",
    "annual_price_per_month", "evidence",
}  # fmt: skip
SNAPSHOT_DATES = sorted(p.name for p in SNAPSHOTS_DIR.iterdir() if re.match(r"\d{4}-\d\d-\d\d$", p.name))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _page_texts(html: str) -> tuple[str, str]:
    root = lxml.html.fromstring(html)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return _collapse(root.text_content()), _collapse(" ".join(root.itertext()))


@pytest.mark.parametrize("snapshot", SNAPSHOT_DATES)
def test_every_registry_url_is_served_or_explained(snapshot: str) -> None:
    robots = Protego.parse(merged_robots(snapshot))
    explained = 0
    for competitor in load_registry():
        for url in competitor.pricing_urls:
            path = mirror_path(url)
            if not robots.can_fetch(path, "ratebench"):
                explained += 1
                continue
            resolution = final_resolution(snapshot, url)
            if resolution.status != 200:
                # Only the snapshot's declared errors may stand in for a page.
                declared = {
                    status for date in SNAPSHOT_DATES if date <= snapshot
                    for status in load_rules(date).errors.values()
                }  # fmt: skip
                assert resolution.status in declared, f"{url} answers {resolution.status} in {snapshot}"
                explained += 1
                continue
            meta = json.loads((resolution.folder / "meta.json").read_text())
            assert meta["competitor_id"] == competitor.id, url
    assert explained <= 3, "most registry URLs must serve a real page"


@pytest.mark.parametrize("snapshot", SNAPSHOT_DATES)
def test_golden_cases_follow_the_contract(snapshot: str) -> None:
    cases = golden_cases(snapshot)
    assert len(cases) >= 25
    registry = {c.id: c for c in load_registry()}
    for case in cases:
        where = f"{snapshot}{case.path}"
        assert set(case.meta) - {"render"} == {"url", "competitor_id", "snapshot"}, where
        assert case.meta.get("render", "http") in ("http", "browser"), where
        assert case.meta["competitor_id"] in registry, where
        assert case.meta["snapshot"] == case.folder.relative_to(SNAPSHOTS_DIR).parts[0], where
        assert case.meta["url"] == case.expected["url"], where
        assert mirror_path(case.meta["url"]).rstrip("/") == case.path.rstrip("/"), where
        assert real_url(case.path).rstrip("/") == case.meta["url"].rstrip("/"), where
        assert set(case.expected) == {"url", "plans"}, where
        size = len(case.html.encode())
        assert 1_500 <= size <= 15_000, f"{where}: {size} bytes"
        joined, spaced = _page_texts(case.html)
        # Plans read from an embedded JSON blob (Next.js __NEXT_DATA__) cite that JSON verbatim.
        blobs = " ".join(lxml.html.fromstring(case.html).xpath('//script[@type="application/json"]/text()'))
        for plan in case.expected["plans"]:
            assert set(plan) == CONTRACT_KEYS, where
            rate_plan = RatePlan.from_contract(plan)  # validates units, prices, money types
            assert rate_plan.currency == registry[case.meta["competitor_id"]].currency, where
            evidence = _collapse(plan["evidence"])
            if case.meta.get("render") == "browser":
                continue  # evidence is in the rendered page: tests/browser checks it there
            assert evidence in joined or evidence in spaced or evidence in blobs, (
                f"{where}: evidence {evidence!r} not in page"
            )


def _plans_by_competitor(snapshot: str) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for case in golden_cases(snapshot):
        plans = out.setdefault(case.meta["competitor_id"], {})
        for plan in case.expected["plans"]:
            plans[plan["name"] or ""] = plan
    return out


def test_second_snapshot_changes_prices_adds_and_drops_plans(snapshots: list[str]) -> None:
    before, after = _plans_by_competitor(snapshots[0]), _plans_by_competitor(snapshots[1])
    price_changed, added, dropped = set(), set(), set()
    for cid in before.keys() & after.keys():
        old, new = before[cid], after[cid]
        added |= {(cid, name) for name in new.keys() - old.keys()}
        dropped |= {(cid, name) for name in old.keys() - new.keys()}
        for name in old.keys() & new.keys():
            if old[name]["price"] is not None and new[name]["price"] is not None:
                if Decimal(str(old[name]["price"])) != Decimal(str(new[name]["price"])):
                    price_changed.add(cid)
    assert len(price_changed) >= 5, price_changed
    assert ("answerconnect", "Growth") in added and ("goodcall", "Scale") in added
    assert ("ambs", "AI Starter") in dropped
    # The 500 page has no golden case in the second snapshot, and is back in the third.
    assert "signius" in before and "signius" not in after
    if len(snapshots) > 2:
        third = _plans_by_competitor(snapshots[2])
        assert third["signius"]["125 Minutes"]["price"] != before["signius"]["125 Minutes"]["price"]


def test_robots_disallows_a_registry_path_and_allows_the_rest(snapshots: list[str]) -> None:
    robots = Protego.parse(merged_robots(snapshots[0]))
    blocked = [
        url for c in load_registry() for url in c.pricing_urls
        if not robots.can_fetch(mirror_path(url), "ratebench")
    ]  # fmt: skip
    assert blocked == ["https://answeringservicecare.com/pricing.md"]
    assert not robots.can_fetch("/www.ruby.com/wp-admin/options.php", "ratebench")
    assert robots.can_fetch("/www.ruby.com/wp-admin/admin-ajax.php", "ratebench")
    assert robots.can_fetch("/www.ruby.com/pricing/", "ratebench")
    # PATLive's robots.txt changed in the second snapshot: the newer rules replace the older.
    assert robots.can_fetch("/www.patlive.com/checkout/", "ratebench")
    later = Protego.parse(merged_robots(snapshots[1]))
    assert not later.can_fetch("/www.patlive.com/checkout/", "ratebench")
    assert not later.can_fetch("/answeringservicecare.com/pricing.md", "ratebench")


def test_markup_variety_is_present(snapshots: list[str]) -> None:
    pages = {case.meta["competitor_id"]: case.html for case in golden_cases(snapshots[0])}
    assert '<span class="amount">' in pages["ruby"]
    assert "<font" in pages["csnotepad"] and "p/m" in pages["csnotepad"]
    assert "UnitPriceSpecification" in pages["answerconnect"] and "UnitPriceSpecification" in pages["dialzara"]
    assert 'itemprop="price"' in pages["map-communications"]
    assert "<s>$99</s>" in pages["my-ai-front-desk"]
    assert "28,00" in pages["nearshore-co-modeled"] and "4.844,00" in pages["nearshore-co-modeled"]
    units = {
        plan["unit"] for case in golden_cases(snapshots[0]) for plan in case.expected["plans"]
    }  # fmt: skip
    assert units == {"month", "minute", "call", "seat_month", "agent_hour", "quote"}
