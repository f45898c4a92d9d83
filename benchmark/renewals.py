"""Renewals: contracts due soon, where each current price sits in its band, what to renew at.

contracts.csv columns (one client per row):
    client, calls_per_month, average_handle_seconds, coverage, complexity, languages
    (separated by ";"), country, service_type, delivery, current_monthly_price, currency,
    renewal_date (YYYY-MM-DD)
A client paying above the band's P75 is flagged at risk (a competitor can win it on price).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from benchmark.config import ConfigError, Costs, Profile, profile_from_dict
from benchmark.market import DEFAULT_MIN_COUNT, competitor_prices
from benchmark.recommend import recommend

COLUMNS = (
    "client", "calls_per_month", "average_handle_seconds", "coverage", "complexity", "languages",
    "country", "service_type", "delivery", "current_monthly_price", "currency", "renewal_date",
)
CENT = Decimal("0.01")


class RenewalError(ValueError):
    """A contracts file row that cannot be read."""


@dataclass(frozen=True, slots=True)
class Contract:
    client: str
    profile: Profile
    current_monthly_price: Decimal
    currency: str
    renewal_date: date


@dataclass(frozen=True, slots=True)
class Renewal:
    client: str
    renewal_date: date
    days_left: int
    currency: str
    current_monthly_price: Decimal
    recommended_monthly_price: Decimal
    p25: Decimal | None
    p50: Decimal | None
    p75: Decimal | None
    n_priced: int
    percentile: float | None
    at_risk: bool
    below_floor: bool
    note: str

    def to_json(self) -> dict[str, Any]:
        def m(v: Decimal | None) -> str | None:
            return None if v is None else str(v.quantize(CENT, rounding=ROUND_HALF_UP))

        return {
            "client": self.client,
            "renewal_date": self.renewal_date.isoformat(),
            "days_left": self.days_left,
            "currency": self.currency,
            "current_monthly_price": m(self.current_monthly_price),
            "recommended_monthly_price": m(self.recommended_monthly_price),
            "band": {"p25": m(self.p25), "p50": m(self.p50), "p75": m(self.p75),
                     "n_priced": self.n_priced},
            "percentile": self.percentile,
            "at_risk": self.at_risk,
            "below_floor": self.below_floor,
            "note": self.note,
        }


def read_contracts(path: str | Path) -> list[Contract]:
    """Read and validate a contracts CSV; errors name the file, line, column and value."""
    name = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise RenewalError(f"{name}: cannot read: {exc}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RenewalError(f"{name}: missing columns {', '.join(missing)}")
        contracts = []
        for line, row in enumerate(reader, start=2):
            where = f"{name} line {line}"
            try:
                aht = Decimal(row["average_handle_seconds"])
                calls = int(row["calls_per_month"])
            except (InvalidOperation, ValueError):
                raise RenewalError(
                    f"{where}: calls_per_month {row['calls_per_month']!r} / average_handle_seconds "
                    f"{row['average_handle_seconds']!r} must be numbers") from None
            try:
                profile = profile_from_dict({"profile": {
                    "name": row["client"],
                    "calls_per_month": calls,
                    "average_handle_seconds": aht,
                    "coverage": row["coverage"],
                    "complexity": row["complexity"],
                    "languages": [x.strip() for x in row["languages"].split(";") if x.strip()],
                    "country": row["country"],
                    "service_type": row["service_type"],
                    "delivery": row["delivery"],
                }}, where)
            except ConfigError as exc:
                raise RenewalError(str(exc)) from None
            try:
                price = Decimal(row["current_monthly_price"])
            except InvalidOperation:
                price = Decimal(-1)
            if not price.is_finite() or price <= 0:
                raise RenewalError(
                    f"{where}: current_monthly_price {row['current_monthly_price']!r} must be a "
                    "positive amount")
            try:
                due = date.fromisoformat(row["renewal_date"].strip())
            except ValueError:
                raise RenewalError(
                    f"{where}: renewal_date {row['renewal_date']!r} is not YYYY-MM-DD") from None
            contracts.append(Contract(row["client"], profile, price, row["currency"].strip(), due))
    return contracts


def renewals(
    con: duckdb.DuckDBPyConnection,
    contracts_path: str | Path,
    costs: Costs,
    *,
    within_days: int = 60,
    today: date | None = None,
    strategy: str = "match",
    min_count: int = DEFAULT_MIN_COUNT,
) -> list[Renewal]:
    """Contracts renewing within `within_days` of `today`, soonest first."""
    today = today or datetime.now(UTC).date()
    out = []
    for contract in read_contracts(contracts_path):
        days = (contract.renewal_date - today).days
        if days < 0 or days > within_days:
            continue
        if contract.currency != costs.currency:
            raise RenewalError(
                f"{contract.client}: contract currency {contract.currency} differs from the cost "
                f"model's {costs.currency}")
        prices = competitor_prices(con, contract.profile, currency=costs.currency)
        rec = recommend(con, contract.profile, costs, strategy, min_count=min_count, prices=prices)
        band = rec.band
        q = band.monthly_cost if band is not None and band.sufficient else None
        percentile = None
        if band is not None and q is not None:
            members = [p.monthly_cost for p in band.competitors if p.monthly_cost is not None]
            below = sum(1 for v in members if v < contract.current_monthly_price)
            percentile = round(100 * below / len(members), 1) if members else None
        at_risk = q is not None and contract.current_monthly_price > q.p75
        if q is None:
            note = "insufficient market data"
        elif at_risk:
            note = f"pays above the market's P75 ({q.p75.quantize(CENT)}): at risk at renewal"
        else:
            note = "within the market band"
        out.append(Renewal(
            client=contract.client, renewal_date=contract.renewal_date, days_left=days,
            currency=costs.currency, current_monthly_price=contract.current_monthly_price,
            recommended_monthly_price=rec.price_per_month,
            p25=q.p25 if q else None, p50=q.p50 if q else None, p75=q.p75 if q else None,
            n_priced=band.n_priced if band else 0, percentile=percentile, at_risk=at_risk,
            below_floor=rec.below_floor, note=note,
        ))
    out.sort(key=lambda r: (r.renewal_date, r.client))
    return out
