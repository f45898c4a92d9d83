"""Recommend: cost model + client profile + strategy in; a price, its plan, why, and a rate card
out, with the quote (Markdown) and the rate card (CSV) to download."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from benchmark import api
from dashboard import charts, data, exports, inputs, ui

STRATEGIES = ("match", "beat", "premium")
SENSITIVITY_FACTORS = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal(1),
                       Decimal("1.5"), Decimal(2), Decimal(3))
DEFAULT_TIERS = "50, 100, 200, 500, 1000"


def _tiers(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.replace(";", ",").split(",") if x.strip())
    except ValueError:
        raise inputs.InputError(
            f"Rate-card bundles {text!r}: give whole numbers separated by commas") from None
    if not values or min(values) <= 0:
        raise inputs.InputError(f"Rate-card bundles {text!r}: every bundle must be above 0")
    return values


def render() -> None:
    st.title("Recommend")
    ui.require_data()
    left, right = st.columns(2)
    try:
        with left:
            st.subheader("Cost model")
            costs = inputs.costs_inputs("recommend")
        with right:
            st.subheader("Client profile")
            profile = inputs.profile_inputs("recommend")
    except inputs.InputError as exc:
        st.error(str(exc))
        st.stop()

    st.subheader("Strategy")
    cols = st.columns([1, 2, 1])
    strategy = cols[0].radio("Strategy", STRATEGIES, horizontal=True, key="rec-strategy")
    beat: tuple[str, ...] = ()
    beat_by = Decimal(5)
    if strategy == "beat":
        everyone = ui.guarded(lambda: data.competitor_prices(profile, costs.currency))
        names = {p.competitor_id: p.competitor_name for p in everyone if p.status == "priced"}
        beat = tuple(cols[1].multiselect(
            "Beat these competitors (empty: beat the lower quartile)", list(names),
            format_func=lambda c: names[c], key="rec-beat"))
        beat_by = Decimal(str(cols[2].number_input("Beat by (%)", value=5.0, step=1.0,
                                                   key="rec-beat-by")))
    try:
        rec = ui.guarded(lambda: data.recommend(profile, costs, strategy, beat_competitors=beat,
                                                beat_by_pct=beat_by))
    except api.RecommendationError as exc:
        st.error(inputs.clean_message(exc))
        st.stop()
    c = rec.currency

    cols = st.columns(4)
    cols[0].metric("Price per seat-month", ui.money(rec.price_per_seat_month, c))
    cols[1].metric("Price per month", ui.money(rec.price_per_month, c))
    cols[2].metric("Margin", f"{rec.margin * 100:.1f}%")
    cols[3].metric("Seats", f"{rec.seats}")
    cols = st.columns(4)
    cols[0].metric(f"Per-minute plan ({c} per minute)", f"{rec.price_per_minute:.4f}")
    cols[1].metric(f"Per-call plan ({c} per call)", f"{rec.price_per_call:.4f}")
    cols[2].metric("Cost floor per seat-month", ui.money(rec.cost_floor_per_seat_month, c))
    band = rec.band
    if band is not None and band.sufficient and rec.cheaper_than_pct is not None:
        cols[3].metric("Cheaper than (share of providers)", f"{rec.cheaper_than_pct:.0f}%")
        st.subheader(f"Cheaper than {rec.cheaper_than_pct:.0f}% of {band.n_priced} providers")
    else:
        cols[3].metric("Cheaper than (share of providers)", "—")
        n = band.n_priced if band is not None else 0
        st.warning(f"Insufficient data: only {n} providers priced for this profile; the price "
                   "is our cost floor, not a market position.")
    if rec.below_floor and rec.gap is not None:
        st.error(f"The market is {ui.money(rec.gap, c)} a month under our cost floor: we cannot "
                 "beat it profitably here, so the price is the floor.")
    if rec.undercuts:
        st.write("Competitors undercut: " + ", ".join(rec.undercuts))
    st.subheader("Why")
    st.markdown("\n".join(f"{i}. {ui.plain(s)}" for i, s in enumerate(rec.explanation, 1)))

    st.subheader("Sensitivity: price and margin against calls per month")
    volumes = sorted({max(1, int(profile.calls_per_month * f)) for f in SENSITIVITY_FACTORS})
    recs = ui.guarded(lambda: data.sensitivity(profile, costs, strategy, tuple(volumes),
                                               beat_competitors=beat, beat_by_pct=beat_by))
    st.altair_chart(charts.sensitivity_chart(volumes, recs, c), width="stretch")

    st.subheader("Rate card")
    cols = st.columns([2, 1])
    tiers_text = cols[0].text_input("Bundles", DEFAULT_TIERS, key="rec-tiers")
    unit = cols[1].selectbox("Bundle unit", ("minutes", "calls"), key="rec-unit")
    try:
        tiers = _tiers(tiers_text)
    except inputs.InputError as exc:
        st.error(str(exc))
        st.stop()
    card = ui.guarded(lambda: data.design_rate_card(profile, costs, strategy, tiers=tiers,
                                                    unit=unit, beat_by_pct=beat_by))
    ui.table(
        pd.DataFrame([{"bundle": f"{t.quantity} {t.unit}", "price": ui.num(t.price),
          "price per unit": ui.num(t.price_per_unit), "market target": ui.num(t.market_target),
          "floor": ui.num(t.floor), "providers priced": t.n_priced, "note": t.note or ""}
         for t in card.tiers]),
        places={"price per unit": 4},
    )
    st.caption(f"Overage: {card.overage_rate} {card.currency} per {unit[:-1]}.")

    cols = st.columns(2)
    cols[0].download_button("Download the quote (Markdown)", exports.quote_markdown(profile, rec),
                            file_name="quote.md", mime="text/markdown", key="rec-dl-quote")
    cols[1].download_button("Download the rate card (CSV)", exports.rate_card_csv(card),
                            file_name="rate_card.csv", mime="text/csv", key="rec-dl-card")


render()
