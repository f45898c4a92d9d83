"""Dated FX: how many USD one unit of a currency buys on a date.

Rates come from the database's `fx_rates` table and, under it, the rates shipped with the
project (benchmark/data/fx_rates.csv), so a read-only connection (the dashboard) converts too.
A conversion uses the latest rate on or before the date; before the first rate, the first one.
"""

from __future__ import annotations

import bisect
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from benchmark.config import CURRENCIES


class FxError(ValueError):
    """A bad FX file row, or a currency the table has no rate for."""


@dataclass(frozen=True, slots=True)
class FxRate:
    rate_date: date
    currency: str
    usd_per_unit: Decimal
    source: str | None = None


@cache
def _shipped() -> tuple[FxRate, ...]:
    text = resources.files("benchmark").joinpath("data", "fx_rates.csv").read_text("utf-8")
    return tuple(parse_rates(text, "benchmark/data/fx_rates.csv"))


def shipped_rates() -> list[FxRate]:
    """The dated rates that ship with the project (read once per process)."""
    return list(_shipped())


def parse_rates(text: str, source_name: str) -> list[FxRate]:
    """Validate an FX CSV (rate_date,currency,usd_per_unit[,source]); errors name the row."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"rate_date", "currency", "usd_per_unit"}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise FxError(f"{source_name}: header must have columns rate_date,currency,usd_per_unit")
    rates: list[FxRate] = []
    seen: set[tuple[date, str]] = set()
    for line_no, row in enumerate(reader, start=2):
        where = f"{source_name} line {line_no}"
        try:
            day = date.fromisoformat((row["rate_date"] or "").strip())
        except ValueError:
            raise FxError(f"{where}: rate_date {row['rate_date']!r} is not a YYYY-MM-DD date") from None
        currency = (row["currency"] or "").strip().upper()
        if currency not in CURRENCIES:
            raise FxError(f"{where}: currency {row['currency']!r} is not one of {', '.join(CURRENCIES)}")
        try:
            value = Decimal((row["usd_per_unit"] or "").strip())
        except InvalidOperation:
            raise FxError(f"{where}: usd_per_unit {row['usd_per_unit']!r} is not a number") from None
        if not value.is_finite() or value <= 0:
            raise FxError(f"{where}: usd_per_unit {row['usd_per_unit']!r} must be positive")
        if currency == "USD" and value != 1:
            raise FxError(f"{where}: usd_per_unit for USD must be 1, got {value}")
        if (day, currency) in seen:
            raise FxError(f"{where}: duplicate rate for {currency} on {day}")
        seen.add((day, currency))
        rates.append(FxRate(day, currency, value, (row.get("source") or "").strip() or None))
    if not rates:
        raise FxError(f"{source_name}: no rates")
    return rates


def import_rates(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Validate a CSV then upsert all its rows into fx_rates in one transaction; returns rows."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FxError(f"{path}: cannot read: {exc}") from None
    rates = parse_rates(text, str(path))
    table = pa.table(
        {
            "rate_date": pa.array([r.rate_date for r in rates], pa.date32()),
            "currency": [r.currency for r in rates],
            "usd_per_unit": pa.array([r.usd_per_unit for r in rates], pa.decimal128(18, 8)),
            "source": [r.source or f"import {Path(path).name}" for r in rates],
        }
    )
    con.register("fx_import", table)
    try:
        con.execute("BEGIN")
        con.execute(
            "INSERT OR REPLACE INTO fx_rates (rate_date, currency, usd_per_unit, source) "
            "SELECT rate_date, currency, usd_per_unit, source FROM fx_import"
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("fx_import")
    return len(rates)


class FxTable:
    """All known rates, database rows over shipped ones, for conversions on any date."""

    def __init__(self, rates: list[FxRate]) -> None:
        by_currency: dict[str, dict[date, Decimal]] = {}
        for rate in rates:
            by_currency.setdefault(rate.currency, {})[rate.rate_date] = rate.usd_per_unit
        self._dates = {c: sorted(v) for c, v in by_currency.items()}
        self._values = {c: [v[d] for d in self._dates[c]] for c, v in by_currency.items()}
        self._values.setdefault("USD", [Decimal(1)])
        self._dates.setdefault("USD", [date(1970, 1, 1)])

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection | None = None) -> FxTable:
        rates = shipped_rates()
        if con is not None:
            rows = con.execute(
                "SELECT rate_date, currency, usd_per_unit, source FROM fx_rates"
            ).fetchall()
            rates += [FxRate(r[0], r[1], Decimal(r[2]), r[3]) for r in rows]
        return cls(rates)

    def usd_per_unit(self, currency: str, on: date | datetime | None = None) -> Decimal:
        if currency not in self._dates:
            raise FxError(f"no FX rate for currency {currency!r}")
        dates = self._dates[currency]
        if on is None:
            return self._values[currency][-1]
        day = on.date() if isinstance(on, datetime) else on
        index = bisect.bisect_right(dates, day) - 1
        return self._values[currency][max(index, 0)]

    def convert(
        self, amount: Decimal, from_currency: str, to_currency: str, on: date | datetime | None = None
    ) -> Decimal:
        """`amount` in `from_currency` expressed in `to_currency` at the rate of `on`."""
        if from_currency == to_currency:
            return amount
        usd = amount * self.usd_per_unit(from_currency, on)
        return usd / self.usd_per_unit(to_currency, on)

    def arrow(self) -> pa.Table:
        """The table as Arrow (for ASOF joins in SQL)."""
        days, currencies, values = [], [], []
        for currency, dates in self._dates.items():
            for day, value in zip(dates, self._values[currency], strict=True):
                days.append(day)
                currencies.append(currency)
                values.append(value)
        return pa.table(
            {
                "rate_date": pa.array(days, pa.date32()),
                "currency": currencies,
                "usd_per_unit": pa.array(values, pa.decimal128(18, 8)),
            }
        )
