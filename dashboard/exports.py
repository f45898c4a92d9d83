"""Downloads: the quote as Markdown and the designed rate card as CSV (engine numbers, formatted)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from benchmark import api
from dashboard import ui


def quote_markdown(profile: api.Profile, rec: api.Recommendation) -> str:
    """The quote as a Markdown document (numbers are the engine's, formatted)."""
    c = rec.currency
    band = rec.band
    lines = [
        f"# Quote: {profile.name}",
        "",
        f"- Strategy: {rec.strategy}",
        f"- Usage: {profile.calls_per_month:,} calls a month, {profile.average_handle_seconds} s "
        f"average, {profile.coverage}, {profile.complexity}, languages {', '.join(profile.languages)}",
        f"- **Price per month: {ui.money(rec.price_per_month, c)}**",
        f"- Price per seat-month: {ui.money(rec.price_per_seat_month, c)} ({rec.seats} seats)",
        f"- Per-minute plan: {rec.price_per_minute:.4f} {c} per minute",
        f"- Per-call plan: {rec.price_per_call:.4f} {c} per call",
        f"- Margin: {rec.margin * 100:.1f}% (cost floor {ui.money(rec.monthly_floor, c)} a month)",
    ]
    if band is not None and band.sufficient and rec.cheaper_than_pct is not None:
        lines.append(f"- Position: cheaper than {rec.cheaper_than_pct:.0f}% of {band.n_priced} "
                     f"providers in {band.segment.label()}")
    if rec.undercuts:
        lines.append(f"- Undercuts: {', '.join(rec.undercuts)}")
    lines += ["", "## Why", ""] + [f"{i}. {s}" for i, s in enumerate(rec.explanation, 1)]
    return "\n".join(lines) + "\n"


def rate_card_csv(card: api.RateCard) -> str:
    """The designed rate card as CSV: one row per bundle, then the overage rate."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["bundle", "unit", "price", "price_per_unit", "currency", "market_target",
                     "floor", "providers_priced", "note"])
    for t in card.tiers:
        target = None if t.market_target is None else t.market_target.quantize(Decimal("0.01"))
        writer.writerow([t.quantity, t.unit, t.price, t.price_per_unit.quantize(Decimal("0.0001")),
                         card.currency, target, t.floor.quantize(Decimal("0.01")), t.n_priced,
                         t.note or ""])
    writer.writerow(["overage", card.unit, "", card.overage_rate, card.currency, "", "", "", ""])
    return out.getvalue()
