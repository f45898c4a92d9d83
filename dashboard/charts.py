"""Altair charts of the engine's results (they draw numbers, they never compute prices)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import altair as alt
import pandas as pd

from benchmark import api

BAND_COLOR = "#4c78a8"
OURS_COLOR = "#e45756"


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def band_chart(
    band: api.Band,
    prices: list[api.CompetitorPrice],
    recommended: Decimal | None,
    currency: str,
) -> alt.LayerChart:
    """P10-P90 and P25-P75 ranges, each competitor's effective monthly cost as a labelled point,
    the median, and our recommended price as a line."""
    points = pd.DataFrame(
        [
            {"competitor": p.competitor_name, "monthly_cost": _f(p.monthly_cost),
             "plan": p.plan_name or "", "per_minute": _f(p.per_minute)}
            for p in prices
            if p.monthly_cost is not None
        ]
    )
    title = f"Effective monthly cost ({currency})"
    order = list(points.sort_values("monthly_cost")["competitor"]) if len(points) else []
    y = alt.Y("competitor:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    layers: list[alt.Chart] = []
    q = band.monthly_cost if band.sufficient else None
    if q is not None:
        ranges = pd.DataFrame(
            [
                {"range": "P10-P90", "lo": _f(q.p10), "hi": _f(q.p90), "opacity": 0.15},
                {"range": "P25-P75", "lo": _f(q.p25), "hi": _f(q.p75), "opacity": 0.35},
            ]
        )
        layers.append(
            alt.Chart(ranges).mark_rect(color=BAND_COLOR).encode(
                x=alt.X("lo:Q", title=title),
                x2="hi:Q",
                opacity=alt.Opacity("opacity:Q", legend=None, scale=None),
                tooltip=["range", alt.Tooltip("lo:Q", format=",.2f"),
                         alt.Tooltip("hi:Q", format=",.2f")],
            )
        )
        median = pd.DataFrame([{"label": f"P50 {q.p50:,.0f}", "value": _f(q.p50)}])
        layers.append(
            alt.Chart(median).mark_rule(color=BAND_COLOR, strokeDash=[4, 3], size=2).encode(
                x="value:Q", tooltip=["label"]
            )
        )
    if len(points):
        base = alt.Chart(points).encode(
            x=alt.X("monthly_cost:Q", title=title), y=y,
            tooltip=["competitor", "plan", alt.Tooltip("monthly_cost:Q", format=",.2f"),
                     alt.Tooltip("per_minute:Q", format=",.4f")],
        )
        layers.append(base.mark_circle(size=90, color="#333333"))
        layers.append(
            base.mark_text(align="left", dx=8, fontSize=11).encode(
                text=alt.Text("monthly_cost:Q", format=",.0f")
            )
        )
    if recommended is not None:
        ours = pd.DataFrame([{"label": f"Recommended {recommended:,.2f}",
                              "value": _f(recommended)}])
        rule = alt.Chart(ours).encode(x="value:Q")
        layers.append(rule.mark_rule(color=OURS_COLOR, size=3).encode(tooltip=["label"]))
        layers.append(
            rule.mark_text(color=OURS_COLOR, align="left", dx=4, dy=-6, baseline="bottom",
                           fontWeight="bold").encode(y=alt.value(0), text="label")
        )
    height = max(160, 28 * max(1, len(points)))
    return alt.layer(*layers).properties(height=height)


def band_history_chart(bands: list[api.Band], dates: list[datetime], currency: str) -> alt.LayerChart:
    """The band (P10-P90, P25-P75, median) as it stood at each date."""
    rows = []
    for when, band in zip(dates, bands, strict=True):
        q = band.monthly_cost if band.sufficient else None
        if q is None:
            continue
        rows.append({"date": when, "p10": _f(q.p10), "p25": _f(q.p25), "p50": _f(q.p50),
                     "p75": _f(q.p75), "p90": _f(q.p90), "n_priced": band.n_priced})
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(x=alt.X("date:T", title="As of"))
    y_title = f"Effective monthly cost ({currency})"
    return alt.layer(
        base.mark_area(opacity=0.15, color=BAND_COLOR).encode(
            y=alt.Y("p10:Q", title=y_title), y2="p90:Q"),
        base.mark_area(opacity=0.35, color=BAND_COLOR).encode(y="p25:Q", y2="p75:Q"),
        base.mark_line(point=True, color=BAND_COLOR).encode(
            y="p50:Q",
            tooltip=[alt.Tooltip("date:T"), alt.Tooltip("p50:Q", format=",.2f"), "n_priced"]),
    ).properties(height=260)


MEASURES = {
    "per_minute": "Price per minute",
    "per_call": "Price per call",
    "per_seat_month": "Price per seat-month",
    "monthly_cost": "Effective monthly cost",
}


def heatmap(prices: list[api.CompetitorPrice], measure: str, currency: str) -> alt.Chart:
    """Segments (rows) by competitors (columns), coloured by the chosen unit price."""
    rows = [
        {
            "segment": f"{p.service_type} / {p.delivery} / {p.country}",
            "competitor": p.competitor_name,
            "value": _f(getattr(p, measure)),
            "status": p.status,
        }
        for p in prices
    ]
    frame = pd.DataFrame(rows)
    label = f"{MEASURES[measure]} ({currency})"
    base = alt.Chart(frame).encode(
        # Competitors down the side (there are many), segments across the top.
        y=alt.Y("competitor:N", title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        x=alt.X("segment:N", title=None,
                axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=260, labelOverlap=False)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", title=label, scale=alt.Scale(scheme="blues")),
        tooltip=["segment", "competitor", "status", alt.Tooltip("value:Q", format=",.2f")],
    )
    text = base.transform_filter("isValid(datum.value)").mark_text(fontSize=10).encode(
        text=alt.Text("value:Q", format=",.2f"),
        color=alt.value("#222222"),
    )
    return alt.layer(cells, text).properties(height=alt.Step(22))


def sensitivity_chart(
    calls: list[int], recs: list[api.Recommendation], currency: str
) -> alt.VConcatChart:
    """Price per month and margin against calls per month (the engine run at each volume)."""
    frame = pd.DataFrame(
        [
            {"calls_per_month": n, "price_per_month": _f(r.price_per_month),
             "monthly_floor": _f(r.monthly_floor), "margin_pct": float(r.margin) * 100}
            for n, r in zip(calls, recs, strict=True)
        ]
    )
    x = alt.X("calls_per_month:Q", title="Calls per month")
    price = alt.Chart(frame).transform_fold(
        ["price_per_month", "monthly_floor"], as_=["series", "amount"]
    ).mark_line(point=True).encode(
        x=x, y=alt.Y("amount:Q", title=f"Per month ({currency})"),
        color=alt.Color("series:N", title=None,
                        scale=alt.Scale(domain=["price_per_month", "monthly_floor"],
                                        range=[OURS_COLOR, "#888888"])),
        tooltip=["calls_per_month", "series:N", alt.Tooltip("amount:Q", format=",.2f")],
    ).properties(height=220)
    margin = alt.Chart(frame).mark_line(point=True, color=BAND_COLOR).encode(
        x=x, y=alt.Y("margin_pct:Q", title="Margin (%)"),
        tooltip=["calls_per_month", alt.Tooltip("margin_pct:Q", format=".1f")],
    ).properties(height=160)
    return alt.vconcat(price, margin)
