"""Real DuckDB files for the engine tests, built through the store's own schema (no crawler).

`MarketBuilder` writes competitors, crawl runs, fetches and observations the way a crawl does;
`market_db` holds plans from /work/shared/market (Oct-2026 published prices) over four runs:
  run-1 2026-09-01 ok        the first rate cards
  run-2 2026-09-15 ok        PATLive's 100-minute plan goes from $189 to $199; Ruby renames
                             "Professional" to "Pro 100"; MAP's fetch fails (no observations)
  run-3 2026-10-01 degraded  Signpost listed as degraded (its bogus $1 prices must not count);
                             Davinci's fetch is ok but empty (no plans)
  run-4 2026-10-15 failed    a failed run whose observations must not count
plus quote-only competitors (Nexa, AnswerForce), a GBP competitor (CSnotepad) and offshore /
nearshore call centers priced per agent hour and per seat-month.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from benchmark.store import init_db

D = Decimal


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def plan(
    name: str | None,
    price: str | None,
    unit: str = "month",
    *,
    currency: str = "USD",
    minutes: int | None = None,
    calls: int | None = None,
    over_min: str | None = None,
    over_call: str | None = None,
    setup: str | None = None,
    increment: int | None = None,
    annual: str | None = None,
) -> dict[str, Any]:
    """A contract plan with money as Decimal and evidence text naming the figures."""
    return {
        "plan_name": name,
        "price": D(price) if price is not None else None,
        "currency": currency,
        "unit": unit,
        "included_minutes": minutes,
        "included_calls": calls,
        "overage_per_minute": D(over_min) if over_min else None,
        "overage_per_call": D(over_call) if over_call else None,
        "setup_fee": D(setup) if setup else None,
        "billing_increment_seconds": increment,
        "annual_price_per_month": D(annual) if annual else None,
        "evidence": f"{name}: {price} {currency} / {unit}"
        + (f", {minutes} minutes" if minutes is not None else "")
        + (f", {calls} calls" if calls is not None else "")
        + (f", {over_min} per extra minute" if over_min else ""),
    }


@dataclass
class MarketBuilder:
    con: duckdb.DuckDBPyConnection
    observations: list[dict[str, Any]] = field(default_factory=list)

    def competitor(
        self,
        competitor_id: str,
        *,
        country: str = "US",
        currency: str = "USD",
        delivery: str = "domestic",
        service_type: str = "answering_service",
        verticals: tuple[str, ...] = ("general",),
        increment: int | None = None,
    ) -> str:
        self.con.execute(
            "INSERT INTO competitors (competitor_id, name, website, country, currency, delivery, "
            "service_type, verticals, pricing_urls, billing_increment_seconds, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [competitor_id, competitor_id.replace("_", " ").title(),
             f"https://{competitor_id}.example", country, currency, delivery, service_type,
             list(verticals), [self.url(competitor_id)], increment, ts("2026-08-01T00:00:00")],
        )
        return competitor_id

    @staticmethod
    def url(competitor_id: str) -> str:
        return f"https://{competitor_id}.example/pricing"

    def run(self, run_id: str, started: str, status: str, degraded: list[str] | None = None) -> str:
        self.con.execute(
            "INSERT INTO crawl_runs (run_id, started_at, finished_at, status, degraded_competitors)"
            " VALUES (?, ?, ?, ?, ?)",
            [run_id, ts(started), ts(started), status, degraded],
        )
        return run_id

    def fetch(
        self,
        run_id: str,
        competitor_id: str,
        at: str,
        plans: list[dict[str, Any]] | None,
        ok: bool = True,
    ) -> None:
        """One fetch; a failed fetch (ok=False) or plans=[] stores no observations."""
        url = self.url(competitor_id)
        content_hash = f"{competitor_id}-{run_id}"
        self.con.execute(
            "INSERT INTO fetches (run_id, competitor_id, url, final_url, status, fetched_at, "
            "content_hash, ok, error, plans_found) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, competitor_id, url, url, 200 if ok else 503, ts(at),
             content_hash if ok else None, ok, None if ok else "HTTP 503", len(plans or [])],
        )
        for p in plans or []:
            self.observations.append(
                {"run_id": run_id, "competitor_id": competitor_id, "url": url, "final_url": url,
                 "fetched_at": ts(at), "content_hash": content_hash, **p}
            )

    def flush(self) -> None:
        """Observations go in as one Arrow table (as the crawler's bulk insert does)."""
        if not self.observations:
            return
        money = pa.decimal128(14, 4)
        cols = {
            "run_id": pa.string(), "competitor_id": pa.string(), "url": pa.string(),
            "final_url": pa.string(), "fetched_at": pa.timestamp("us", tz="UTC"),
            "content_hash": pa.string(), "plan_name": pa.string(), "price": money,
            "currency": pa.string(), "unit": pa.string(), "included_minutes": pa.int32(),
            "included_calls": pa.int32(), "overage_per_minute": money,
            "overage_per_call": money, "setup_fee": money,
            "billing_increment_seconds": pa.int32(), "annual_price_per_month": money,
            "evidence": pa.string(),
        }
        table = pa.table({k: pa.array([o[k] for o in self.observations], t) for k, t in cols.items()})
        self.con.register("new_observations", table)
        self.con.execute(
            f"INSERT INTO observations ({', '.join(cols)}) "  # noqa: S608 - fixed column names
            f"SELECT {', '.join(cols)} FROM new_observations"
        )
        self.con.unregister("new_observations")
        self.observations.clear()


def new_db(path: Path) -> tuple[duckdb.DuckDBPyConnection, MarketBuilder]:
    con = duckdb.connect(str(path))
    init_db(con)
    return con, MarketBuilder(con)


# Published plans (market_prices.csv, Oct 2026).
RUBY = [plan("Starter", "250", minutes=50), plan("Professional", "395", minutes=100),
        plan("Ruby 200", "720", minutes=200), plan("Ruby 500", "1725", minutes=500)]
PATLIVE = [plan("Pay as you go", "49", minutes=0, over_min="2.99"),
           plan("50 minutes", "99", minutes=50, over_min="2.29"),
           plan("100 minutes", "189", minutes=100, over_min="2.09"),
           plan("300 minutes", "479", minutes=300, over_min="1.89"),
           plan("500 minutes", "759", minutes=500, over_min="1.79")]
SMITH = [plan("30 calls", "300", calls=30, over_call="11.50"),
         plan("90 calls", "810", calls=90, over_call="10.50"),
         plan("300 calls", "2100", calls=300, over_call="8.50")]
ANSWERCONNECT = [plan("Entry", "350", minutes=200, over_min="2.50", setup="49.99")]
MAP = [plan("Pay As You Go", "49", minutes=0, over_min="1.37"),
       plan("Business", "179", minutes=125, over_min="1.30"),
       plan("Enterprise", "339", minutes=250, over_min="1.28")]
SAS = [plan("Economy", "44", minutes=0, over_min="1.54"),
       plan("100", "159", minutes=100, over_min="1.44"),
       plan("500", "649", minutes=500, over_min="1.34")]
POSH = [plan("Chic", "65", minutes=0, over_min="2.30"),
        plan("Vogue", "130", minutes=50, over_min="2.20")]
MONEYPENNY = [plan("People 50", "165", minutes=50, over_min="2.28"),
              plan("People 100", "265", minutes=100, over_min="2.12"),
              plan("People 200", "422", minutes=200, over_min="1.91"),
              plan("People 500", "985", minutes=500, over_min="1.67")]
SIGNPOST = [plan("125 Minutes", "350", minutes=125, over_min="2.50"),
            plan("250 Minutes", "600", minutes=250, over_min="2.25"),
            plan("500 Minutes", "1050", minutes=500, over_min="2.05"),
            plan("1,000 Minutes", "1850", minutes=1000, over_min="1.75")]
AMBS = [plan("100", "149", minutes=100, over_min="1.29", setup="85"),
        plan("250", "330", minutes=250, over_min="1.23", setup="85"),
        plan("500", "600", minutes=500, over_min="1.22", setup="85")]
DAVINCI = [plan("Business 50", "129", minutes=50), plan("Business 100", "239", minutes=100)]
CSNOTEPAD = [plan("PAYG", "0.85", "minute", currency="GBP"),
             plan("Fixed 50", "35", minutes=50, over_min="0.70", currency="GBP", annual="29.17")]
QUOTE = [plan("Custom", None, "quote")]


def build_market(path: Path) -> Path:
    con, b = new_db(path)
    b.competitor("ruby", increment=30, verticals=("legal", "general"))
    b.competitor("patlive", increment=6, verticals=("medical", "general"))
    b.competitor("smith_ai", verticals=("legal", "general"))
    b.competitor("answerconnect", increment=60)
    b.competitor("map_communications")
    b.competitor("specialty_answering", increment=1, verticals=("medical",))
    b.competitor("posh", increment=30, verticals=("legal",))
    b.competitor("moneypenny_us", increment=30)
    b.competitor("signpost", increment=60)
    b.competitor("ambs", increment=30, verticals=("medical",))
    b.competitor("davinci")
    b.competitor("nexa", increment=60)
    b.competitor("answerforce")
    b.competitor("csnotepad", country="GB", currency="GBP")
    for cid in ("manila_cx", "cebu_bpo", "certainly_offshore", "india_bpo"):
        b.competitor(cid, country="PH", delivery="offshore", service_type="call_center")
    b.competitor("seat_ph", country="PH", delivery="offshore", service_type="call_center")
    b.competitor("certainly_nearshore", country="MX", delivery="nearshore",
                 service_type="call_center")
    offshore = {
        "manila_cx": [plan("Agent hour", "8", "agent_hour")],
        "cebu_bpo": [plan("Agent hour", "7.50", "agent_hour")],
        "certainly_offshore": [plan("Off Shore agent", "12", "agent_hour")],
        "india_bpo": [plan("Agent hour", "9", "agent_hour")],
        "seat_ph": [plan("Dedicated seat", "1900", "seat_month", setup="600")],
        "certainly_nearshore": [plan("Near Shore agent", "13", "agent_hour")],
    }
    base = {
        "ruby": RUBY, "patlive": PATLIVE, "smith_ai": SMITH, "answerconnect": ANSWERCONNECT,
        "map_communications": MAP, "specialty_answering": SAS, "posh": POSH,
        "moneypenny_us": MONEYPENNY, "signpost": SIGNPOST, "ambs": AMBS, "davinci": DAVINCI,
        "nexa": QUOTE, "answerforce": QUOTE, "csnotepad": CSNOTEPAD, **offshore,
    }
    # run-1: everything
    b.run("run-1", "2026-09-01T02:00:00", "ok")
    for cid, plans in base.items():
        b.fetch("run-1", cid, "2026-09-01T02:10:00", plans)
    # run-2: a price change, a rename, a failed fetch
    b.run("run-2", "2026-09-15T02:00:00", "ok")
    run2 = dict(base)
    run2["patlive"] = [p if p["plan_name"] != "100 minutes"
                       else plan("100 minutes", "199", minutes=100, over_min="2.09")
                       for p in PATLIVE]
    run2["ruby"] = [p if p["plan_name"] != "Professional"
                    else plan("Pro 100", "395", minutes=100) for p in RUBY]
    for cid, plans in run2.items():
        if cid == "map_communications":
            b.fetch("run-2", cid, "2026-09-15T02:10:00", None, ok=False)
        else:
            b.fetch("run-2", cid, "2026-09-15T02:10:00", plans)
    # run-3: degraded (signpost's observations are junk and listed), davinci empty
    b.run("run-3", "2026-10-01T02:00:00", "degraded", degraded=["signpost"])
    for cid, plans in run2.items():
        if cid == "signpost":
            plans = [plan("125 Minutes", "1", minutes=125, over_min="0.01")]
        elif cid == "davinci":
            plans = []
        b.fetch("run-3", cid, "2026-10-01T02:10:00", plans)
    # run-4: the crawl failed; nothing in it counts
    b.run("run-4", "2026-10-15T02:00:00", "failed")
    b.fetch("run-4", "patlive", "2026-10-15T02:10:00",
            [plan("100 minutes", "5", minutes=100, over_min="0.05")])
    b.flush()
    con.close()
    return path


@pytest.fixture(scope="session")
def market_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The realistic market above, built once per test session (tests only read it)."""
    return build_market(tmp_path_factory.mktemp("market") / "market.duckdb")


@pytest.fixture
def market_con(market_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(market_db), read_only=True)
    yield con
    con.close()


@pytest.fixture
def builder(tmp_path: Path) -> Iterator[MarketBuilder]:
    con, b = new_db(tmp_path / "small.duckdb")
    yield b
    con.close()
