"""The market from the store: latest rate cards, each competitor's price for a profile, bands,
rate versions and changes. Set work runs in DuckDB SQL (benchmark/sql/...); pricing policy is
benchmark.normalize. Every function takes an open connection and only reads, so a read-only
connection works.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from benchmark.config import Profile
from benchmark.fx import FxError, FxTable
from benchmark.normalize import ObservedPlan, PlanPrice, Usage, cheapest, price_plan, usage_for
from benchmark.sqlfiles import load_sql

QUANTILE_NAMES = ("p10", "p25", "p50", "p75", "p90")
DEFAULT_MIN_COUNT = 5
MONEY_PLACES = Decimal("0.0001")


def compose(final: str, *ctes: str) -> str:
    """A query: the named SQL files as CTEs (named after their file), then `final`'s body."""
    # A staging view read twice is re-read narrowly (projection pushdown) rather than copied
    # whole into a temporary result: NOT MATERIALIZED.
    parts = [
        f"{name.rsplit('/', 1)[-1]} AS "
        f"{'NOT MATERIALIZED ' if name.startswith('staging/') else ''}(\n{load_sql(name)}\n)"
        for name in ctes
    ]
    body = load_sql(final)
    if not parts:
        return body
    # The final file may open its own WITH: nest it as a subquery.
    return "WITH " + ",\n".join(parts) + "\nSELECT * FROM (\n" + body + "\n)"


def as_instant(value: date | datetime | str | None) -> datetime | None:
    """A cut-off instant: a date means the end of that day (UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.max, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Segment:
    """A slice of the market; None matches anything."""

    service_type: str | None = None
    delivery: str | None = None
    country: str | None = None
    vertical: str | None = None

    @classmethod
    def for_profile(cls, profile: Profile) -> Segment:
        return cls(profile.service_type, profile.delivery, profile.country, profile.vertical)

    def params(self) -> dict[str, str | None]:
        return {
            "service_type": self.service_type,
            "delivery": self.delivery,
            "country": self.country,
            "vertical": self.vertical,
        }

    def label(self) -> str:
        parts = [v for v in (self.service_type, self.delivery, self.country, self.vertical) if v]
        return " / ".join(parts) if parts else "whole market"

    def widened(self) -> list[Segment]:
        """This segment, then ever wider ones: without vertical, country, then delivery."""
        chain = [self]
        if self.vertical:
            chain.append(Segment(self.service_type, self.delivery, self.country, None))
        if self.country:
            chain.append(Segment(self.service_type, self.delivery, None, None))
        if self.delivery:
            chain.append(Segment(self.service_type, None, None, None))
        return chain


@dataclass(frozen=True, slots=True)
class Quantiles:
    p10: Decimal
    p25: Decimal
    p50: Decimal
    p75: Decimal
    p90: Decimal

    @classmethod
    def from_list(cls, values: list[Any] | None) -> Quantiles | None:
        if not values or any(v is None for v in values):
            return None
        return cls(*(Decimal(str(v)).quantize(MONEY_PLACES) for v in values))

    def to_json(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in QUANTILE_NAMES}

    def scaled(self, factor: Decimal) -> Quantiles:
        return Quantiles(*(getattr(self, n) * factor for n in QUANTILE_NAMES))


@dataclass(frozen=True, slots=True)
class CompetitorPrice:
    """One competitor's answer for a profile: its cheapest plan, or why it has none."""

    competitor_id: str
    competitor_name: str
    service_type: str
    delivery: str
    country: str
    verticals: tuple[str, ...]
    status: str  # priced | quote_only | unpriced
    currency: str
    plan_name: str | None = None
    unit: str | None = None
    monthly_cost: Decimal | None = None
    per_call: Decimal | None = None
    per_minute: Decimal | None = None
    per_seat_month: Decimal | None = None
    native_currency: str | None = None
    native_monthly_cost: Decimal | None = None
    observed_at: datetime | None = None
    url: str | None = None
    evidence: str | None = None
    reason: str | None = None
    lines: tuple[str, ...] = ()
    plans: tuple[PlanPrice, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in (
            "competitor_id", "competitor_name", "service_type", "delivery", "country", "status",
            "currency", "plan_name", "unit", "monthly_cost", "per_call", "per_minute",
            "per_seat_month", "native_currency", "native_monthly_cost", "url", "evidence",
            "reason",
        ):
            value = getattr(self, key)
            out[key] = str(value.quantize(MONEY_PLACES)) if isinstance(value, Decimal) else value
        out["verticals"] = list(self.verticals)
        out["observed_at"] = self.observed_at.isoformat() if self.observed_at else None
        out["lines"] = list(self.lines)
        return out


@dataclass(frozen=True, slots=True)
class Band:
    """Quantiles of a price over the competitors of a segment, or "insufficient data"."""

    segment: Segment
    as_of: datetime | None
    currency: str
    min_count: int
    n_priced: int
    n_quote_only: int
    n_unpriced: int
    monthly_cost: Quantiles | None
    per_call: Quantiles | None
    per_minute: Quantiles | None
    per_seat_month: Quantiles | None
    oldest_observation_age_days: float | None
    # The segment's competitors (from a PricedMarket: built when first read).
    competitors: Sequence[CompetitorPrice] = field(default=(), repr=False)

    @property
    def sufficient(self) -> bool:
        return self.n_priced >= self.min_count and self.monthly_cost is not None

    @property
    def status(self) -> str:
        return "ok" if self.sufficient else "insufficient data"

    def to_json(self) -> dict[str, Any]:
        def q(value: Quantiles | None) -> dict[str, str] | None:
            return value.to_json() if value is not None and self.sufficient else None

        return {
            "segment": self.segment.params(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "currency": self.currency,
            "status": self.status,
            "min_count": self.min_count,
            "n_priced": self.n_priced,
            "n_quote_only": self.n_quote_only,
            "n_unpriced": self.n_unpriced,
            "monthly_cost": q(self.monthly_cost),
            "per_call": q(self.per_call),
            "per_minute": q(self.per_minute),
            "per_seat_month": q(self.per_seat_month),
            "oldest_observation_age_days": self.oldest_observation_age_days,
        }


# ---------------------------------------------------------------------------------------------


_PARSED: dict[str, duckdb.Statement] = {}


def parsed(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
    """`sql` (one statement) parsed once per process and reused: a parsed statement holds no
    data and belongs to no connection, and parsing profile pricing's text took ~3 ms a call."""
    statement = _PARSED.get(sql)
    if statement is None:
        statements = con.extract_statements(sql)
        if len(statements) != 1:
            raise ValueError(f"expected one SQL statement, got {len(statements)}")
        statement = _PARSED[sql] = statements[0]
    return statement


def _rows(con: duckdb.DuckDBPyConnection, sql: str | duckdb.Statement,
          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _materialized_latest_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `ratebench rebuild` ever made mart_latest_plans (and its source row)."""
    # Looked up rather than tried: a failed query would abort a caller's open transaction.
    present = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = current_schema() "
        "AND table_name IN ('mart_latest_plans', 'mart_latest_plans_source')"
    ).fetchall()[0][0]
    return present >= 2


def materialized_latest_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether mart_latest_plans (built by `ratebench rebuild`) stands for the latest good run."""
    if not _materialized_latest_present(con):
        return False
    rows = con.execute(load_sql("marts/latest_plans_fresh")).fetchall()
    return bool(rows and rows[0][2])


def _fresh_latest_facts(con: duckdb.DuckDBPyConnection) -> tuple[set[int], set[str]] | None:
    """When mart_latest_plans is fresh, the billing increments and currencies of its plans (what
    pricing straight from the mart needs first); None when it is stale or was never built."""
    # Tried rather than looked up first (one statement less): on a cursor of its own, whose
    # failure when the mart was never built cannot abort a transaction the caller holds open.
    cur = con.cursor()
    try:
        sql = compose("marts/latest_plans_facts", "marts/latest_plans_fresh")
        rows = cur.execute(parsed(cur, sql)).fetchall()
    except duckdb.CatalogException:
        return None
    finally:
        cur.close()
    if not rows or not rows[0][0]:
        return None
    return set(rows[0][1] or ()), set(rows[0][2] or ())


def latest_plans_arrow(
    con: duckdb.DuckDBPyConnection, as_of: datetime | None = None
) -> pa.Table:
    """Latest-plan rows as Arrow: the materialized mart when fresh and as_of is None, else
    computed live from the observations."""
    if as_of is None and materialized_latest_fresh(con):
        return con.sql("SELECT * FROM mart_latest_plans").to_arrow_table()
    return _live_latest_plans(con, as_of)


def _live_latest_plans(con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> pa.Table:
    """Latest-plan rows computed from the observations (marts/latest_plans), as Arrow."""
    sql = compose("marts/latest_plans", "staging/good_observations")
    return con.sql(sql, params={"as_of": as_of}).to_arrow_table()


def latest_plans(
    con: duckdb.DuckDBPyConnection,
    as_of: date | datetime | str | None = None,
    competitor_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every competitor's latest good rate card (one row per plan) as of an instant."""
    rows = latest_plans_arrow(con, as_instant(as_of)).to_pylist()
    if competitor_id is not None:
        rows = [r for r in rows if r["competitor_id"] == competitor_id]
    rows.sort(key=lambda r: (r["competitor_id"], r["url"], r["unit"], r["plan_name"] or ""))
    return rows


def _observed(row: dict[str, Any]) -> ObservedPlan:
    return ObservedPlan(
        competitor_id=row["competitor_id"],
        plan_name=row["plan_name"],
        unit=row["unit"],
        price=row["price"],
        currency=row["currency"],
        included_minutes=row["included_minutes"],
        included_calls=row["included_calls"],
        overage_per_minute=row["overage_per_minute"],
        overage_per_call=row["overage_per_call"],
        setup_fee=row["setup_fee"],
        billing_increment_seconds=row["billing_increment_seconds"],
        annual_price_per_month=row["annual_price_per_month"],
        competitor_increment_seconds=row["competitor_increment_seconds"],
        fetched_at=row["fetched_at"],
        url=row["url"],
        evidence=row["evidence"],
    )


def price_competitors(
    rows: list[dict[str, Any]],
    profile: Profile,
    fx: FxTable,
    currency: str = "USD",
    as_of: datetime | None = None,
    usage: Usage | None = None,
) -> list[CompetitorPrice]:
    """Each competitor's cheapest plan for the profile, from latest-plan rows (pure)."""
    usage = usage or usage_for(profile)
    by_competitor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_competitor[row["competitor_id"]].append(row)
    out: list[CompetitorPrice] = []
    for competitor_id in sorted(by_competitor):
        plan_rows = by_competitor[competitor_id]
        first = plan_rows[0]
        prices = tuple(price_plan(_observed(r), usage, profile.billing) for r in plan_rows)
        cost_of = {id(p): fx.convert(p.monthly_cost, p.plan.currency, currency, as_of)
                   for p in prices if p.monthly_cost is not None}
        best = cheapest(list(prices), lambda p, costs=cost_of: costs[id(p)])
        common = {
            "competitor_id": competitor_id,
            "competitor_name": first["competitor_name"],
            "service_type": first["service_type"],
            "delivery": first["delivery"],
            "country": first["country"],
            "verticals": tuple(first["verticals"] or ()),
            "currency": currency,
            "plans": prices,
        }
        if best is None:
            quote_only = all(p.plan.unit == "quote" for p in prices)
            reasons = sorted({p.reason for p in prices if p.reason})
            out.append(CompetitorPrice(
                status="quote_only" if quote_only else "unpriced",
                observed_at=max(r["fetched_at"] for r in plan_rows),
                reason="; ".join(reasons), **common,
            ))
            continue
        monthly = cost_of[id(best)]
        out.append(CompetitorPrice(
            status="priced",
            plan_name=best.plan.plan_name,
            unit=best.plan.unit,
            monthly_cost=monthly.quantize(MONEY_PLACES),
            per_call=(monthly / usage.calls).quantize(MONEY_PLACES),
            per_minute=(monthly / usage.talk_minutes).quantize(MONEY_PLACES),
            per_seat_month=(monthly / usage.seats).quantize(MONEY_PLACES) if usage.seats else None,
            native_currency=best.plan.currency,
            native_monthly_cost=best.monthly_cost,
            observed_at=best.plan.fetched_at,
            url=best.plan.url,
            evidence=best.plan.evidence,
            lines=best.lines,
            **common,
        ))
    return out


def _billed_table(increments: set[int], usage: Usage) -> pa.Table:
    """The profile's expected billed minutes at every billing increment the plans use."""
    ordered = sorted({60} | {v for v in increments if v})
    return pa.table({
        "increment_seconds": pa.array(ordered, pa.int32()),
        "billed_minutes": pa.array([usage.billed_minutes(i) for i in ordered],
                                   pa.decimal128(24, 6)),
    })


LATEST_FX_DAY = date(1, 1, 1)


def _fx_factors(days: set[date | None], currencies: set[str], fx: FxTable, currency: str) -> pa.Table:
    """Target-currency units per unit of each plan currency, per FX day in the plans (a few
    rows: the dated FX table's lookup rule stays in benchmark.fx)."""
    rows_day, rows_currency, rows_factor = [], [], []
    for day in days:
        for code in currencies:
            if not code:
                continue
            try:
                factor = fx.usd_per_unit(code, day) / fx.usd_per_unit(currency, day)
            except FxError:
                continue  # no rate: the plan's cost stays unconverted (NULL), so unpriced
            rows_day.append(day or LATEST_FX_DAY)
            rows_currency.append(code)
            rows_factor.append(factor.quantize(Decimal("1e-16")))
    return pa.table({
        "fx_day": pa.array(rows_day, pa.date32()),
        "currency": pa.array(rows_currency, pa.string()),
        "factor": pa.array(rows_factor, pa.decimal128(38, 16)),
    })


def price_plans_sql(
    con: duckdb.DuckDBPyConnection,
    plans: pa.Table,
    profile: Profile,
    fx: FxTable,
    currency: str = "USD",
    usage: Usage | None = None,
    scope: PricingScope | None = None,
) -> pa.Table:
    """marts/profile_prices over latest-plan rows carrying as_of_key and fx_day columns: one
    row per (as_of_key, competitor) with its cheapest plan for the profile, as Arrow."""
    increments: set[int] = set()
    for column in ("billing_increment_seconds", "competitor_increment_seconds"):
        increments |= set(plans.column(column).unique().to_pylist())
    days = set(plans.column("fx_day").unique().to_pylist())
    currencies = set(plans.column("currency").unique().to_pylist())
    return _price_plans(con, plans, increments, days, currencies, profile, fx, currency, usage,
                        scope)


def _with_cte(sql: str, name: str, body: str) -> str:
    """`sql` (a statement opening with WITH, after its comments) with `body` as its first CTE."""
    match = re.search(r"^WITH\s", sql, re.MULTILINE)
    if match is None:
        raise ValueError(f"no leading WITH to add the CTE {name!r} to")
    return f"{sql[:match.start()]}WITH {name} AS (\n{body}\n),\n{sql[match.end():]}"


def _price_plans(
    con: duckdb.DuckDBPyConnection,
    plans: pa.Table | None,
    increments: set[int],
    days: set[date | None],
    currencies: set[str],
    profile: Profile,
    fx: FxTable,
    currency: str,
    usage: Usage | None,
    scope: PricingScope | None = None,
) -> pa.Table:
    """marts/profile_prices over `plans`, or (None) straight over mart_latest_plans, whose
    billing increments, FX days and currencies the caller names; `scope` narrows the
    competitors priced (None: every one)."""
    usage = usage or usage_for(profile)
    sql = load_sql("marts/profile_prices")
    cur = con.cursor()
    try:
        if plans is None:
            # Read in the statement itself: no round trip of every plan through Arrow.
            sql = _with_cte(sql, "plan_rows", load_sql("marts/latest_plans_rows"))
        else:
            cur.register("plan_rows", plans)
        cur.register("billed", _billed_table(increments, usage))
        cur.register("fx_factors", _fx_factors(days, currencies, fx, currency))
        cur.execute(
            parsed(cur, sql),
            parameters={
                "calls": usage.calls,
                "talk_minutes": str(usage.talk_minutes),
                "seats": str(usage.seats) if usage.seats else None,
                "dedicated_seats": usage.dedicated_seats,
                "staffed_hours": str(usage.staffed_hours),
                "yearly": profile.billing == "yearly",
                "currency": currency,
                "service_type": scope.service_type if scope else None,
                "competitor_ids": list(scope.competitor_ids) if scope else [],
            },
        )
        return cur.to_arrow_table()
    finally:
        cur.close()


# Profile pricing runs through execute() then Arrow, not sql(): a relation over a SELECT is
# bound once to describe it and bound and planned again to run -- for profile pricing that was
# a third of the call. DuckDB warns that this route copies the rows; for a thousand rows the
# copy is nothing. The filter is set once for this module (catch_warnings around the call is
# not thread-safe, and the dashboard prices from several sessions' threads at once).
warnings.filterwarnings(
    "ignore", message="Arrow output on a DB-API result", category=UserWarning,
    module=r"benchmark\.market",
)


def _with_instant(plans: pa.Table, instant: datetime | None) -> pa.Table:
    n = plans.num_rows
    stamp, day = pa.timestamp("us", tz="UTC"), pa.date32()
    return plans.append_column(
        "as_of_key", pa.repeat(pa.scalar(instant, stamp), n)
    ).append_column(
        "fx_day", pa.repeat(pa.scalar(instant.date() if instant else None, day), n)
    )


_PRICE_FIELDS = (
    "competitor_id", "competitor_name", "service_type", "delivery", "country", "verticals",
    "status", "currency", "plan_name", "unit", "monthly_cost", "per_call", "per_minute",
    "per_seat_month", "native_currency", "native_monthly_cost", "observed_at", "url", "evidence",
    "reason", "lines",
)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc_datetimes(column: pa.ChunkedArray) -> list[datetime | None]:
    """Aware UTC datetimes from a timestamp column: the epoch plus each value's microseconds,
    several times cheaper than pyarrow's per-value time-zone conversion."""
    micros = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_pylist()
    return [None if v is None else _EPOCH + timedelta(microseconds=v) for v in micros]


def prices_from_arrow(table: pa.Table) -> list[CompetitorPrice]:
    """CompetitorPrice objects from marts/profile_prices rows."""
    # Column-wise conversion, then positional construction (the fields' order): far cheaper
    # than one dict per row.
    columns: list[list[Any]] = []
    for name in _PRICE_FIELDS:
        if name == "observed_at":
            columns.append(_utc_datetimes(table.column(name)))
            continue
        values = table.column(name).to_pylist()
        if name in ("verticals", "lines"):
            values = [tuple(v) if v else () for v in values]
        elif name == "reason":
            values = [v or None for v in values]
        columns.append(values)
    return [CompetitorPrice(*row) for row in zip(*columns, strict=True)]


class PricedMarket(Sequence[CompetitorPrice]):
    """Every competitor's price for a profile, held as its marts/profile_prices rows (`table`):
    the CompetitorPrice objects are built when first read, so a recommendation, which reads
    only its band's members, builds only those. Compares, hashes and pickles as a tuple."""

    __slots__ = ("_prices", "table")

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self._prices: tuple[CompetitorPrice, ...] | None = None

    def _all(self) -> tuple[CompetitorPrice, ...]:
        if self._prices is None:
            self._prices = tuple(prices_from_arrow(self.table))
        return self._prices

    def __len__(self) -> int:
        return self.table.num_rows

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __iter__(self) -> Iterator[CompetitorPrice]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PricedMarket):
            other = other._all()
        return self._all() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self._all(),))

    def __repr__(self) -> str:
        return f"PricedMarket({self.table.num_rows} competitors)"

    def select(self, competitor_ids: set[str]) -> Sequence[CompetitorPrice]:
        """The prices of these competitors, in order (a PricedMarket while none is built yet)."""
        if self._prices is not None:
            return [p for p in self._prices if p.competitor_id in competitor_ids]
        wanted = pa.array(sorted(competitor_ids), pa.string())
        return PricedMarket(self.table.filter(
            pc.is_in(self.table.column("competitor_id"), value_set=wanted)))

    def priced_costs(self) -> list[tuple[str, Decimal]]:
        """(competitor_id, monthly_cost) of the priced competitors, in order."""
        if self._prices is not None:
            return _priced_costs(self._prices)
        columns = (self.table.column(n).to_pylist()
                   for n in ("competitor_id", "status", "monthly_cost"))
        return [(cid, cost) for cid, status, cost in zip(*columns, strict=True)
                if status == "priced" and cost is not None]


def _priced_costs(prices: Sequence[CompetitorPrice]) -> list[tuple[str, Decimal]]:
    return [(p.competitor_id, p.monthly_cost) for p in prices
            if p.status == "priced" and p.monthly_cost is not None]


def priced_costs(prices: Sequence[CompetitorPrice]) -> list[tuple[str, Decimal]]:
    """(competitor_id, monthly_cost) of the priced ones among `prices`, in order; from a
    PricedMarket without building its CompetitorPrice objects."""
    if isinstance(prices, PricedMarket):
        return prices.priced_costs()
    return _priced_costs(prices)


def competitor_prices(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    as_of: date | datetime | str | None = None,
    currency: str = "USD",
) -> list[CompetitorPrice]:
    """Each competitor's effective monthly cost for the profile (one row per competitor), priced
    in SQL (marts/profile_prices); `price_competitors` is the Python reference."""
    return list(priced_market(con, profile, as_instant(as_of), currency))


@dataclass(frozen=True, slots=True)
class PricingScope:
    """Which competitors to price: those of one service type, plus any named whatever their
    type. A recommendation needs no more: every segment its band may widen to keeps the
    profile's service type."""

    service_type: str | None
    competitor_ids: tuple[str, ...] = ()


def priced_market(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    instant: datetime | None,
    currency: str = "USD",
    scope: PricingScope | None = None,
) -> PricedMarket:
    """competitor_prices as a PricedMarket over the marts/profile_prices rows (band_from_prices
    takes those rows as they are); `scope` narrows the competitors priced (None: every one)."""
    fx = FxTable.load(con)
    facts = _fresh_latest_facts(con) if instant is None else None
    if facts is not None:
        increments, currencies = facts
        table = _price_plans(con, None, increments, {None}, currencies, profile, fx, currency,
                             None, scope)
    else:
        live = _with_instant(_live_latest_plans(con, instant), instant)
        table = price_plans_sql(con, live, profile, fx, currency, scope=scope)
    return PricedMarket(table)


_DECIMAL = pa.decimal128(18, 6)


def _prices_arrow(prices: list[CompetitorPrice]) -> pa.Table:
    return pa.table(
        {
            "competitor_id": pa.array([p.competitor_id for p in prices], pa.string()),
            "service_type": pa.array([p.service_type for p in prices], pa.string()),
            "delivery": pa.array([p.delivery for p in prices], pa.string()),
            "country": pa.array([p.country for p in prices], pa.string()),
            "verticals": pa.array([list(p.verticals) for p in prices], pa.list_(pa.string())),
            "status": pa.array([p.status for p in prices], pa.string()),
            "monthly_cost": pa.array([_q6(p.monthly_cost) for p in prices], _DECIMAL),
            "per_call": pa.array([_q6(p.per_call) for p in prices], _DECIMAL),
            "per_minute": pa.array([_q6(p.per_minute) for p in prices], _DECIMAL),
            "per_seat_month": pa.array([_q6(p.per_seat_month) for p in prices], _DECIMAL),
            "observed_at": pa.array([p.observed_at for p in prices], pa.timestamp("us", tz="UTC")),
        }
    )


def _q6(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.000001"))


def band_from_prices(
    con: duckdb.DuckDBPyConnection,
    prices: Sequence[CompetitorPrice],
    segment: Segment,
    *,
    as_of: datetime | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    currency: str = "USD",
) -> Band:
    """Quantiles in SQL over per-competitor prices already computed for a profile. A
    PricedMarket's own marts/profile_prices rows are used as they are (no converting back)."""
    table = prices.table if isinstance(prices, PricedMarket) else None
    # A fresh cursor keeps the registered relation private to this call.
    cur = con.cursor()
    try:
        cur.register("competitor_prices", _prices_arrow(prices) if table is None else table)
        sql = compose("marts/profile_bands", "marts/segment_prices")
        row = _rows(cur, parsed(cur, sql), segment.params())[0]
    finally:
        cur.close()
    ids = set(row["member_ids"] or ())
    members = (prices.select(ids) if isinstance(prices, PricedMarket)
               else [p for p in prices if p.competitor_id in ids])
    return _band(segment, as_of, currency, min_count, row, members)


def profile_band(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    segment: Segment | None = None,
    as_of: date | datetime | str | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    currency: str = "USD",
) -> Band:
    """The band of effective monthly cost (and unit equivalents) for a profile in a segment."""
    instant = as_instant(as_of)
    prices = priced_market(con, profile, instant, currency)
    return band_from_prices(con, prices, segment or Segment.for_profile(profile),
                            as_of=instant, min_count=min_count, currency=currency)


def band_history(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    segment: Segment | None,
    dates: list[date | datetime | str],
    min_count: int = DEFAULT_MIN_COUNT,
    currency: str = "USD",
    *,
    members: bool = True,
) -> list[Band]:
    """The profile's band as it stood at each date (for drawing its history), all dates in one
    pass: latest plans per date (marts/latest_plans_history), priced once, quantiles per date.
    `members=False` leaves each Band's competitors empty (a chart needs only the quantiles)."""
    instants = [as_instant(d) for d in dates]
    if not instants:
        return []
    segment = segment or Segment.for_profile(profile)
    distinct = sorted(set(instants))  # type: ignore[type-var]
    cur = con.cursor()
    try:
        cur.register("band_dates", pa.table({
            "as_of_key": pa.array(distinct, pa.timestamp("us", tz="UTC")),
            # FX converts on the instant's own calendar date, as FxTable.convert does.
            "fx_day": pa.array([i.date() for i in distinct], pa.date32()),
        }))
        # Only the segment's competitors: reading and pricing the others' history (the most
        # of a mixed market) only to filter them out took most of a Market view's render.
        fetches = cur.sql(compose("marts/latest_fetches_history", "marts/segment_competitors"),
                          params=segment.params()).to_arrow_table()
        cur.register("latest_fetches", fetches)
        stamps = [t for t in fetches.column("fetched_at").to_pylist() if t is not None]
        # An observation carries its fetch's time; a day's slack costs nothing and is safe.
        since = min(stamps) - timedelta(days=1) if stamps else datetime.now(UTC)
        plans = cur.sql(load_sql("marts/latest_plans_history"),
                        params={"since": since}).to_arrow_table()
    finally:
        cur.close()
    priced = price_plans_sql(con, plans, profile, FxTable.load(con), currency)
    cur = con.cursor()
    try:
        cur.register("competitor_prices", priced)
        rows = _rows(cur, compose("marts/profile_band_history", "marts/segment_prices"),
                     segment.params())
        in_segment = (cur.sql(compose("marts/segment_members_history", "marts/segment_prices"),
                              params=segment.params()).to_arrow_table() if members else None)
    finally:
        cur.close()
    by_instant = {r["as_of_key"]: r for r in rows}
    all_prices: dict[Any, list[CompetitorPrice]] = defaultdict(list)
    if in_segment is not None:
        for key, price in zip(in_segment.column("as_of_key").to_pylist(),
                              prices_from_arrow(in_segment), strict=True):
            all_prices[key].append(price)
    empty = {"n_priced": 0, "n_quote_only": 0, "n_unpriced": 0, "monthly_cost_q": None,
             "per_call_q": None, "per_minute_q": None, "per_seat_month_q": None,
             "oldest_observed_at": None}
    return [
        _band(segment, instant, currency, min_count, by_instant.get(instant, empty),
              all_prices.get(instant, []))
        for instant in instants
    ]


def band_dates(con: duckdb.DuckDBPyConnection, limit: int = 30) -> list[datetime]:
    """The ends of the newest `limit` days on which a crawl delivered data, oldest first."""
    rows = con.execute(load_sql("marts/band_dates"), {"limit": limit}).fetchall()
    return sorted(r[0] for r in rows)


def _band(
    segment: Segment,
    as_of: datetime | None,
    currency: str,
    min_count: int,
    row: dict[str, Any],
    members: Sequence[CompetitorPrice],
) -> Band:
    oldest = row["oldest_observed_at"]
    reference = as_of or datetime.now(UTC)
    age = None
    if oldest is not None:
        age = round((reference - oldest).total_seconds() / 86400, 2)
    return Band(
        segment=segment,
        as_of=as_of,
        currency=currency,
        min_count=min_count,
        n_priced=row["n_priced"],
        n_quote_only=row["n_quote_only"],
        n_unpriced=row["n_unpriced"],
        monthly_cost=Quantiles.from_list(row["monthly_cost_q"]),
        per_call=Quantiles.from_list(row["per_call_q"]),
        per_minute=Quantiles.from_list(row["per_minute_q"]),
        per_seat_month=Quantiles.from_list(row["per_seat_month_q"]),
        oldest_observation_age_days=age,
        competitors=members if isinstance(members, PricedMarket) else tuple(members),
    )


@dataclass(frozen=True, slots=True)
class RateBand:
    """Quantiles of one kind of published rate (USD), one value per competitor."""

    kind: str  # per_minute | bundle_per_minute | per_call | per_seat_month | per_agent_hour
    n_priced: int
    min_count: int
    quantiles: Quantiles | None
    oldest_observed_at: datetime | None
    competitors: tuple[str, ...]

    @property
    def status(self) -> str:
        return "ok" if self.n_priced >= self.min_count else "insufficient data"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "n_priced": self.n_priced,
            "min_count": self.min_count,
            "band": self.quantiles.to_json() if self.quantiles and self.status == "ok" else None,
            "oldest_observed_at": self.oldest_observed_at.isoformat() if self.oldest_observed_at else None,
            "competitors": list(self.competitors),
        }


def rate_card_bands(
    con: duckdb.DuckDBPyConnection,
    segment: Segment | None = None,
    as_of: date | datetime | str | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
) -> list[RateBand]:
    """Bands of published unit rates (USD) per kind, independent of any profile."""
    segment = segment or Segment()
    cur = con.cursor()
    try:
        cur.register("fx_table", FxTable.load(con).arrow())
        rows = _rows(
            cur,
            compose("marts/rate_card_bands", "staging/good_observations", "marts/latest_plans"),
            {"as_of": as_instant(as_of), **segment.params()},
        )
    finally:
        cur.close()
    return [
        RateBand(r["kind"], r["n_priced"], min_count, Quantiles.from_list(r["q"]),
                 r["oldest_observed_at"], tuple(r["competitors"]))
        for r in rows
    ]


def rate_versions(con: duckdb.DuckDBPyConnection, competitor_id: str | None = None) -> list[dict[str, Any]]:
    """Every plan's versions (valid_from, valid_to NULL while current)."""
    rows = _rows(con, compose("marts/rate_versions", "staging/good_observations"))
    if competitor_id is not None:
        rows = [r for r in rows if r["competitor_id"] == competitor_id]
    rows.sort(key=lambda r: (r["competitor_id"], r["url"], r["plan_key"], r["version_no"]))
    return rows


def rate_changes(con: duckdb.DuckDBPyConnection, competitor_id: str | None = None) -> list[dict[str, Any]]:
    """Each published change: old and new values with the percent change, oldest first."""
    rows = _rows(con, compose("marts/rate_changes", "staging/good_observations", "marts/rate_versions"))
    if competitor_id is not None:
        rows = [r for r in rows if r["competitor_id"] == competitor_id]
    rows.sort(key=lambda r: (r["changed_at"], r["competitor_id"], r["plan_key"]))
    return rows


def segments(con: duckdb.DuckDBPyConnection) -> list[Segment]:
    """Segments present in the registry (service type, delivery, country; verticals listed too)."""
    rows = con.execute(
        "SELECT DISTINCT service_type, delivery, country, unnest(CASE WHEN len(verticals) = 0 "
        "THEN [NULL] ELSE verticals END) AS vertical FROM competitors ORDER BY ALL"
    ).fetchall()
    found = {Segment(r[0], r[1], r[2], None) for r in rows}
    found |= {Segment(r[0], r[1], r[2], r[3]) for r in rows if r[3]}
    return sorted(found, key=lambda s: (s.service_type or "", s.delivery or "", s.country or "",
                                        s.vertical or ""))


def run_checks(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """Offending rows of every check (empty lists when the data is clean)."""
    cur = con.cursor()
    try:
        cur.register("fx_table", FxTable.load(con).arrow())
        return {
            "negative_prices": _rows(cur, load_sql("checks/negative_prices")),
            "currency_missing": _rows(cur, load_sql("checks/currency_missing")),
            "unpriced_plans": _rows(cur, load_sql("checks/unpriced_plans")),
            "observations_without_fetch": _rows(cur, load_sql("checks/observations_without_fetch")),
            "overlapping_versions": _rows(cur, compose(
                "checks/overlapping_versions", "staging/good_observations", "marts/rate_versions")),
        }
    finally:
        cur.close()
