"""Benchmark engine commands: staffing, costs, bands, changes, recommend, ratecard, renewals,
fx import, rebuild. Tables for people by default; `--json` for scripts (DESIGN.md keys)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb

from benchmark import api
from benchmark.config import ConfigError
from benchmark.erlang import staffing as erlang_staffing
from benchmark.fx import FxError, import_rates
from benchmark.market import Segment
from benchmark.rebuild import ensure_engine_schema, rebuild
from benchmark.recommend import STRATEGIES, RecommendationError
from benchmark.renewals import RenewalError
from benchmark.store import StoreLocked, connection, init_db, resolve_db_path
from ratebench.errors import UserError

Handler = Callable[[argparse.Namespace], int]


def _guard(handler: Handler) -> Handler:
    """Engine errors about the user's input become one-line UserErrors."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (ConfigError, FxError, RecommendationError, RenewalError, StoreLocked) as exc:
            raise UserError(str(exc)) from None
        except ValueError as exc:
            raise UserError(str(exc)) from None

    return run


@contextmanager
def _db(args: argparse.Namespace, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = resolve_db_path(args.db)
    if not write and not path.exists():
        raise UserError(f"database {path} does not exist (run a crawl or `ratebench db init`)")
    with connection(path, read_only=not write) as con:
        yield con


def _emit(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _table(rows: list[list[Any]], header: list[str]) -> None:
    text = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in text:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _segment(args: argparse.Namespace, profile: api.Profile | None) -> Segment | None:
    given = [args.service_type, args.delivery, args.country, args.vertical]
    if not any(given):
        return Segment.for_profile(profile) if profile else None
    if args.whole_market:
        return Segment()
    return Segment(*given)


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database (default: $RATEBENCH_DB, else data/ratebench.duckdb)")


def _add_segment(p: argparse.ArgumentParser) -> None:
    p.add_argument("--service-type")
    p.add_argument("--delivery")
    p.add_argument("--country")
    p.add_argument("--vertical")
    p.add_argument("--whole-market", action="store_true", help=argparse.SUPPRESS)


# ---------------------------------------------------------------------------------------------


@_guard
def cmd_staffing(args: argparse.Namespace) -> int:
    result = erlang_staffing(args.calls_per_hour, args.aht_seconds, args.service_level,
                             args.answer_within, args.shrinkage)
    if args.json:
        _emit(result.to_json())
        return 0
    print(f"traffic         {result.traffic_erlangs:.3f} Erlangs")
    print(f"agents          {result.agents} on the phones "
          f"({result.scheduled_agents} scheduled at {args.shrinkage:.0%} shrinkage)")
    print(f"service level   {result.service_level:.1%} answered within {args.answer_within:g} s")
    print(f"occupancy       {result.occupancy:.1%}")
    print(f"P(wait)         {result.probability_wait:.1%}   ASA {result.average_speed_of_answer:.1f} s")
    return 0


@_guard
def cmd_costs(args: argparse.Namespace) -> int:
    costs = api.load_costs(args.costs)
    profile = api.load_profile(args.profile) if args.profile else None
    summary = api.cost_summary(costs, profile)
    if args.json:
        _emit(summary.to_json())
        return 0
    for key, value in summary.to_json().items():
        if value is not None:
            print(f"{key:28} {value}")
    return 0


@_guard
def cmd_bands(args: argparse.Namespace) -> int:
    with _db(args) as con:
        if args.rate_cards or not args.profile:
            bands = api.rate_card_bands(con, _segment(args, None), args.as_of, args.min_count)
            if args.json:
                _emit([b.to_json() for b in bands])
                return 0
            rows = []
            for b in bands:
                q = b.quantiles if b.status == "ok" else None
                rows.append([b.kind, b.n_priced, b.status] +
                            ([q.p10, q.p25, q.p50, q.p75, q.p90] if q else [""] * 5))
            print("Rate-card bands (USD, one value per competitor)")
            _table(rows, ["kind", "n", "status", "P10", "P25", "P50", "P75", "P90"])
            return 0
        profile = api.load_profile(args.profile)
        band = api.profile_band(con, profile, _segment(args, profile), args.as_of, args.min_count,
                                args.currency)
    if args.json:
        out = band.to_json()
        out["competitors"] = [c.to_json() for c in band.competitors]
        _emit(out)
        return 0
    print(f"{profile.name}: {band.segment.label()}"
          + (f" as of {band.as_of:%Y-%m-%d}" if band.as_of else ""))
    print(f"priced {band.n_priced}, quote-only {band.n_quote_only}, unpriced {band.n_unpriced}; "
          f"oldest observation {band.oldest_observation_age_days} days old")
    if not band.sufficient:
        print(f"insufficient data (fewer than {band.min_count} competitors priced)")
    else:
        rows = []
        for label in ("monthly_cost", "per_call", "per_minute", "per_seat_month"):
            q = getattr(band, label)
            if q is not None:
                rows.append([label, q.p10, q.p25, q.p50, q.p75, q.p90])
        _table(rows, [band.currency, "P10", "P25", "P50", "P75", "P90"])
    print()
    _table([[c.competitor_id, c.status, c.plan_name, c.monthly_cost, c.per_minute,
             (c.reason or "")[:70] + ("…" if len(c.reason or "") > 70 else "")]
            for c in band.competitors],
           ["competitor", "status", "cheapest plan", "monthly", "per min", "note"])
    return 0


@_guard
def cmd_changes(args: argparse.Namespace) -> int:
    with _db(args) as con:
        rows = api.rate_changes(con, args.competitor)
    if args.json:
        _emit(rows)
        return 0
    if not rows:
        print("no price changes recorded")
        return 0
    _table([[f"{r['changed_at']:%Y-%m-%d}", r["competitor_id"], r["plan_name"], r["currency"],
             r["old_price"], r["new_price"], "" if r["percent"] is None else f"{r['percent']:+.2f}%",
             r["old_overage_per_minute"], r["new_overage_per_minute"]] for r in rows],
           ["date", "competitor", "plan", "cur", "old", "new", "change", "old over/min",
            "new over/min"])
    return 0


@_guard
def cmd_recommend(args: argparse.Namespace) -> int:
    profile = api.load_profile(args.profile)
    costs = api.load_costs(args.costs)
    with _db(args) as con:
        rec = api.recommend(
            con, profile, costs, args.strategy,
            beat_competitors=tuple(args.beat_competitor or ()), beat_by_pct=args.beat_by,
            as_of=args.as_of, min_count=args.min_count,
            client_sales_per_month=args.client_sales,
        )
    if args.json:
        _emit(rec.to_json())
        return 0
    data = rec.to_json()
    print(f"{profile.name} — strategy {args.strategy} ({rec.currency})")
    for key in ("price_per_month", "price_per_seat_month", "price_per_minute", "price_per_call",
                "cost_floor_per_seat_month", "monthly_floor", "margin", "seats", "percentile"):
        print(f"  {key:28} {data[key]}")
    if rec.undercuts:
        print(f"  undercuts                    {', '.join(rec.undercuts)}")
    print()
    for sentence in rec.explanation:
        print(f"- {sentence}")
    return 0


@_guard
def cmd_ratecard(args: argparse.Namespace) -> int:
    profile = api.load_profile(args.profile)
    costs = api.load_costs(args.costs)
    try:
        tiers = tuple(int(t) for t in args.tiers.split(","))
    except ValueError:
        raise UserError(f"--tiers {args.tiers!r} must be whole numbers separated by commas") from None
    with _db(args) as con:
        card = api.design_rate_card(con, profile, costs, args.strategy, tiers=tiers,
                                    unit=args.unit, beat_by_pct=args.beat_by, as_of=args.as_of,
                                    min_count=args.min_count)
    if args.json:
        _emit(card.to_json())
        return 0
    print(f"Rate card for {profile.name} — {args.strategy} ({card.currency})")
    _table([[t.quantity, t.price, t.price_per_unit.quantize(Decimal("0.0001")), t.floor.quantize(
        Decimal("0.01")), t.n_priced, t.note or ""] for t in card.tiers],
           [card.unit, "price", "per unit", "floor", "n", "note"])
    print(f"overage {card.overage_rate} per {card.unit[:-1]}")
    return 0


@_guard
def cmd_renewals(args: argparse.Namespace) -> int:
    costs = api.load_costs(args.costs)
    today = date.fromisoformat(args.today) if args.today else None
    with _db(args) as con:
        rows = api.renewals(con, args.contracts, costs, within_days=args.within_days, today=today,
                            strategy=args.strategy, min_count=args.min_count)
    if args.json:
        _emit([r.to_json() for r in rows])
        return 0
    if not rows:
        print(f"no renewals within {args.within_days} days")
        return 0
    _table([[r.client, r.renewal_date, r.days_left, r.current_monthly_price,
             r.recommended_monthly_price, r.p75, "AT RISK" if r.at_risk else "", r.note]
            for r in rows],
           ["client", "renews", "days", "current", "recommended", "P75", "risk", "note"])
    return 0


@_guard
def cmd_fx_import(args: argparse.Namespace) -> int:
    with _db(args, write=True) as con:
        init_db(con)
        count = import_rates(con, args.csv)
    print(f"imported {count} FX rates from {args.csv}")
    return 0


@_guard
def cmd_rebuild(args: argparse.Namespace) -> int:
    with _db(args, write=True) as con:
        init_db(con)
        ensure_engine_schema(con)
        result = rebuild(con)
    if args.json:
        _emit(result.to_json())
        return 0
    print(f"rebuilt: {result.versions} rate versions, {result.changes} changes")
    for name, count in result.check_failures.items():
        print(f"check {name}: {count} offending rows")
    return 0


# ---------------------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("staffing", help="Erlang C agents for a traffic and service level")
    p.add_argument("--calls-per-hour", type=float, required=True)
    p.add_argument("--aht-seconds", type=float, required=True)
    p.add_argument("--service-level", type=float, default=0.80)
    p.add_argument("--answer-within", type=float, default=20.0)
    p.add_argument("--shrinkage", type=float, default=0.0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_staffing)

    p = subparsers.add_parser("costs", help="the cost model's figures (and a profile's cost)")
    p.add_argument("--costs", required=True)
    p.add_argument("--profile")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_costs)

    p = subparsers.add_parser("bands", help="market bands for a profile, or rate-card bands")
    p.add_argument("--profile", help="profile.toml (without it: rate-card bands)")
    p.add_argument("--rate-cards", action="store_true", help="rate-card bands, no profile")
    _add_segment(p)
    p.add_argument("--as-of", help="YYYY-MM-DD: the band as it stood then")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--currency", default="USD")
    p.add_argument("--json", action="store_true")
    _add_db(p)
    p.set_defaults(handler=cmd_bands)

    p = subparsers.add_parser("changes", help="published price changes (old, new, percent)")
    p.add_argument("--competitor")
    p.add_argument("--json", action="store_true")
    _add_db(p)
    p.set_defaults(handler=cmd_changes)

    for name, helptext, handler in (
        ("recommend", "what to charge a client", cmd_recommend),
        ("ratecard", "design a ladder of bundles priced against the market", cmd_ratecard),
    ):
        p = subparsers.add_parser(name, help=helptext)
        p.add_argument("--profile", required=True)
        p.add_argument("--costs", required=True)
        p.add_argument("--strategy", choices=STRATEGIES, default="match")
        p.add_argument("--beat-by", type=_decimal, default=Decimal(5),
                       help="percent under the target for --strategy beat (default 5)")
        p.add_argument("--as-of")
        p.add_argument("--min-count", type=int, default=5)
        p.add_argument("--json", action="store_true")
        _add_db(p)
        p.set_defaults(handler=handler)
        if name == "recommend":
            p.add_argument("--beat-competitor", action="append", metavar="ID",
                           help="beat this competitor (repeatable)")
            p.add_argument("--client-sales", type=_decimal,
                           help="client sales per month our operators make (revenue share)")
        else:
            p.add_argument("--tiers", default="50,100,200,500,1000")
            p.add_argument("--unit", choices=("minutes", "calls"), default="minutes")

    p = subparsers.add_parser("renewals", help="contracts renewing soon, priced against the market")
    p.add_argument("--contracts", required=True)
    p.add_argument("--costs", required=True)
    p.add_argument("--within-days", type=int, default=60)
    p.add_argument("--today", help="YYYY-MM-DD (default: today)")
    p.add_argument("--strategy", choices=STRATEGIES, default="match")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--json", action="store_true")
    _add_db(p)
    p.set_defaults(handler=cmd_renewals)

    fx = subparsers.add_parser("fx", help="dated FX rates")
    fx_sub = fx.add_subparsers(dest="fx_command", required=True, metavar="ACTION")
    p = fx_sub.add_parser("import", help="validate a CSV (rate_date,currency,usd_per_unit) and load it")
    p.add_argument("csv")
    _add_db(p)
    p.set_defaults(handler=cmd_fx_import)

    p = subparsers.add_parser("rebuild", help="materialize rate versions/changes and run checks")
    p.add_argument("--json", action="store_true")
    _add_db(p)
    p.set_defaults(handler=cmd_rebuild)
