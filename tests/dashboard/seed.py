"""A realistic test database for the dashboard: three crawls of a small US market.

Built through benchmark.store (the real schema) with Arrow inserts; prices are real list
prices from market_prices.csv so the engine's numbers are plausible.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from benchmark import store

MONEY = pa.decimal128(14, 4)

# A script tag in evidence proves scraped text is shown as text, never HTML.
HOSTILE_EVIDENCE = "<script>alert('x')</script><b>Chic</b> $65/mo + $2.30 per minute"


@dataclass(frozen=True)
class Comp:
    cid: str
    name: str
    website: str
    delivery: str = "domestic"
    service_type: str = "answering_service"
    country: str = "US"
    currency: str = "USD"
    increment: int | None = 60


# (plan name, unit, price, included_minutes, included_calls, overage/min, overage/call, setup)
Plan = tuple[str, str, str | None, int | None, int | None, str | None, str | None, str | None]

COMPETITORS: dict[Comp, list[Plan]] = {
    Comp("ruby", "Ruby Receptionists", "https://www.ruby.com", increment=30): [
        ("Starter", "month", "250", 50, None, "5.00", None, "0"),
        ("Professional", "month", "395", 100, None, "3.95", None, "0"),
        ("Call Ruby 500", "month", "1725", 500, None, "3.45", None, "0"),
    ],
    Comp("smith_ai", "Smith.ai", "https://smith.ai", increment=None): [
        ("30 calls", "month", "300", None, 30, None, "11.50", "0"),
        ("90 calls", "month", "810", None, 90, None, "10.50", "0"),
        ("300 calls", "month", "2100", None, 300, None, "8.50", "0"),
    ],
    Comp("answerconnect", "AnswerConnect", "https://www.answerconnect.com"): [
        ("Entry", "month", "350", 200, None, "2.50", None, "49.99"),
        ("High", "month", "2025", 1500, None, "2.00", None, "49.99"),
    ],
    Comp("patlive", "PATLive", "https://www.patlive.com", increment=6): [
        ("Pay as you go", "month", "49", 0, None, "2.99", None, None),
        ("50 minutes", "month", "99", 50, None, "2.29", None, None),
        ("500 minutes", "month", "759", 500, None, "1.79", None, None),
    ],
    Comp("abby", "Abby Connect", "https://www.abby.com", increment=30): [
        ("Starter", "month", "165", 50, None, "3.30", None, "95"),
        ("Growth", "month", "1380", 500, None, "2.76", None, "95"),
    ],
    Comp("map", "MAP Communications", "https://www.mapcommunications.com"): [
        ("Pay As You Go", "month", "49", 0, None, "1.37", None, None),
        ("Business", "month", "179", 125, None, "1.30", None, None),
        ("Enterprise", "month", "339", 250, None, "1.28", None, None),
    ],
    Comp("specialty", "Specialty Answering Service", "https://www.specialtyansweringservice.net",
         increment=1): [
        ("Economy", "month", "44", 0, None, "1.54", None, "0"),
        ("500 Minute", "month", "649", 500, None, "1.34", None, "0"),
    ],
    Comp("posh", "Posh Virtual Receptionists", "https://www.posh.com", increment=30): [
        ("Chic", "month", "65", 0, None, "2.30", None, None),
        ("Vogue", "month", "130", 50, None, "2.20", None, None),
    ],
    Comp("signpost", "Signpost", "https://www.signpost.com"): [
        ("125 Minutes", "month", "350", 125, None, "2.50", None, None),
        ("500 Minutes", "month", "1050", 500, None, "2.05", None, None),
    ],
    Comp("moneypenny", "Moneypenny US", "https://www.moneypenny.com/us"): [
        ("People 100", "month", "265", 100, None, "2.12", None, None),
        ("People 500", "month", "985", 500, None, "1.67", None, None),
    ],
    Comp("nexa", "Nexa Receptionists", "https://www.nexa.com", increment=None): [
        ("Custom", "quote", None, None, None, None, None, None),
    ],
    Comp("answerforce", "AnswerForce", "https://www.answerforce.com", increment=None): [
        ("Get a quote", "quote", None, None, None, None, None, None),
    ],
    # Offshore call centers: too few providers for a band.
    Comp("certainly_off", "Certainly CX Offshore", "https://certainlycx.com", delivery="offshore",
         service_type="call_center", increment=None): [
        ("Off Shore agent", "agent_hour", "12", None, None, None, None, None),
    ],
    Comp("cebu_seats", "Cebu Seats", "https://cebuseats.example.ph", delivery="offshore",
         service_type="call_center", country="PH", increment=None): [
        ("Dedicated seat", "seat_month", "1800", None, None, None, None, None),
    ],
}

# Price changes: (competitor, plan) -> price from run index 2 (the latest run) onwards.
CHANGES: dict[tuple[str, str], str] = {
    ("patlive", "50 minutes"): "109",
    ("ruby", "Starter"): "235",
}
FAILED_IN_RUN = {1: {"signpost"}}  # run index -> competitors whose fetch failed


def build_db(
    path: Path,
    *,
    now: datetime | None = None,
    run_hours_ago: tuple[float, ...] = (50.0, 26.0, 2.0),
) -> Path:
    """Write competitors, three crawl runs, fetches, pages and observations into `path`."""
    now = now or datetime.now(UTC)
    with store.connection(path) as con:
        store.init_db(con)
        _insert(con, "competitors", _competitors(now))
        runs, fetches, pages, observations = [], [], {}, []
        for index, hours in enumerate(run_hours_ago):
            started = now - timedelta(hours=hours)
            run_id = f"run-{index + 1}"
            failed = FAILED_IN_RUN.get(index, set())
            plans_total = 0
            for comp, plans in COMPETITORS.items():
                url = f"{comp.website}/pricing"
                fetched_at = started + timedelta(seconds=30)
                if comp.cid in failed:
                    fetches.append(_fetch(run_id, comp, url, fetched_at, None, ok=False,
                                          status=503, plans=0))
                    continue
                texts = [_evidence(comp, plan, index) for plan in plans]
                body = ("<html><body>" + "".join(f"<p>{t}</p>" for t in texts)
                        + "</body></html>").encode()
                digest = hashlib.sha256(body).hexdigest()
                pages.setdefault(digest, {
                    "content_hash": digest, "body_gzip": gzip.compress(body),
                    "size_bytes": len(body), "first_seen_at": fetched_at,
                })
                fetches.append(_fetch(run_id, comp, url, fetched_at, digest, ok=True,
                                      status=200, plans=len(plans)))
                for plan, text in zip(plans, texts, strict=True):
                    observations.append(_observation(run_id, comp, url, fetched_at, digest,
                                                     plan, index, text))
                plans_total += len(plans)
            runs.append({
                "run_id": run_id, "started_at": started,
                "finished_at": started + timedelta(minutes=3),
                "status": "degraded" if failed else "ok", "finish_reason": "finished",
                "mirror": None, "competitors": [c.cid for c in COMPETITORS],
                "pages_ok": len(COMPETITORS) - len(failed), "pages_failed": len(failed),
                "plans": plans_total, "stats": json.dumps({"item_scraped_count": plans_total}),
                "monitors": json.dumps({"failures": 0}),
                "degraded_competitors": sorted(failed),
            })
        _insert(con, "crawl_runs", runs)
        _insert(con, "fetches", fetches)
        _insert(con, "pages", list(pages.values()))
        _insert(con, "observations", observations)
    return path


def build_empty_db(path: Path) -> Path:
    """The schema and nothing else."""
    with store.connection(path) as con:
        store.init_db(con)
    return path


def _competitors(now: datetime) -> list[dict]:
    return [{
        "competitor_id": c.cid, "name": c.name, "website": c.website, "country": c.country,
        "currency": c.currency, "delivery": c.delivery, "service_type": c.service_type,
        "verticals": ["general", "medical"] if c.cid in {"ruby", "map", "patlive"} else ["general"],
        "pricing_urls": [f"{c.website}/pricing"], "billing_increment_seconds": c.increment,
        "billing_notes": None, "render": "http", "updated_at": now,
    } for c in COMPETITORS]


def _fetch(run_id, comp, url, fetched_at, digest, *, ok, status, plans) -> dict:
    return {
        "run_id": run_id, "competitor_id": comp.cid, "url": url, "final_url": url,
        "status": status, "fetched_at": fetched_at, "content_hash": digest, "ok": ok,
        "error": None if ok else f"HTTP {status} Service Unavailable", "plans_found": plans,
        "warnings": [],
    }


def _price(comp: Comp, plan: Plan, run_index: int) -> str | None:
    if run_index >= 2 and (comp.cid, plan[0]) in CHANGES:
        return CHANGES[(comp.cid, plan[0])]
    return plan[2]


def _evidence(comp: Comp, plan: Plan, run_index: int) -> str:
    if comp.cid == "posh" and plan[0] == "Chic":
        return HOSTILE_EVIDENCE
    price = _price(comp, plan, run_index)
    if price is None:
        return f"{plan[0]}: Call for pricing"
    return f"{plan[0]} ${price} per {plan[1]}"


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _observation(run_id, comp, url, fetched_at, digest, plan, run_index, text) -> dict:
    name, unit, _, inc_min, inc_calls, over_min, over_call, setup = plan
    return {
        "run_id": run_id, "competitor_id": comp.cid, "url": url, "final_url": url,
        "fetched_at": fetched_at, "content_hash": digest, "plan_name": name,
        "price": _dec(_price(comp, plan, run_index)), "currency": comp.currency, "unit": unit,
        "included_minutes": inc_min, "included_calls": inc_calls,
        "overage_per_minute": _dec(over_min), "overage_per_call": _dec(over_call),
        "setup_fee": _dec(setup), "billing_increment_seconds": comp.increment,
        "annual_price_per_month": None, "evidence": text,
    }


def _insert(con, table: str, rows: list[dict]) -> None:
    """Bulk insert through Arrow, typed by the table's own schema (DECIMAL stays DECIMAL)."""
    if not rows:
        return
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position", [table]
    ).fetchall()
    arrays = {}
    for column, data_type in columns:
        values = [row.get(column) for row in rows]
        if data_type.startswith("DECIMAL"):
            arrays[column] = pa.array(values, type=MONEY)
        elif data_type == "JSON":
            arrays[column] = pa.array(values, type=pa.string())
        else:
            arrays[column] = pa.array(values)
    staged = pa.table(arrays)  # noqa: F841 - referenced by name in the SQL below
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM staged")  # noqa: S608 - fixed names
