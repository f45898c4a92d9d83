"""Market: the band for a client profile in a segment, where our price sits, its history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from benchmark import api
from dashboard import charts, data, inputs, ui

STRATEGIES = ("match", "beat", "premium")


def render() -> None:
    st.title("Market")
    ui.require_data()
    with st.sidebar:
        st.subheader("Client profile")
        try:
            profile = inputs.profile_inputs("market", compact=True)
        except inputs.InputError as exc:
            st.error(str(exc))
            st.stop()
        strategy = st.radio("Strategy for our price", STRATEGIES, horizontal=True,
                            key="market-strategy")
        min_count = int(st.number_input("Minimum providers for a band", value=5, min_value=1,
                                        step=1, key="market-min-count"))
    costs = inputs.default_costs()
    segments = ui.guarded(data.segments)
    wanted = api.Segment.for_profile(profile)
    if wanted not in segments:
        segments = [wanted, *segments]
    segment = st.selectbox("Segment", segments, index=segments.index(wanted),
                           format_func=lambda s: s.label(), key="market-segment")
    st.caption(f"Profile: {profile.name} — {profile.calls_per_month:,} calls a month, "
               f"{profile.average_handle_seconds} s average, {profile.coverage}. "
               f"Our price uses the cost model in examples/costs.toml.")

    # One pricing of the market feeds the band, our price and the heatmap.
    position = ui.guarded(lambda: data.market_position(profile, costs, strategy, segment,
                                                       min_count))
    band, rec = position.band, position.recommendation
    currency = costs.currency

    cols = st.columns(5)
    cols[0].metric("Providers priced", band.n_priced)
    cols[1].metric("Quote-only providers", band.n_quote_only)
    cols[2].metric("Data age (oldest price)", ui.days_text(band.oldest_observation_age_days))
    cols[3].metric("Market median (P50)",
                   ui.money(band.monthly_cost.p50, currency) if band.sufficient else "—")
    cols[4].metric(f"Our price ({strategy})", ui.money(rec.price_per_month, currency))

    if not band.sufficient:
        st.warning(
            f"Insufficient data: only {band.n_priced} providers are priced in "
            f"{segment.label()} — at least {min_count} are needed for a band. Choose a wider "
            "segment, or crawl more competitors."
        )
    elif rec.cheaper_than_pct is not None:
        st.subheader(
            f"Cheaper than {rec.cheaper_than_pct:.0f}% of {band.n_priced} providers"
        )
        st.write(
            f"At {ui.money(rec.price_per_month, currency)} a month our {strategy} price sits at "
            f"percentile {rec.percentile:.0f} of {segment.label()}; it undercuts "
            f"{len(rec.undercuts)} of them."
        )
    if rec.below_floor and rec.gap is not None:
        st.error(
            f"The market is under our cost floor by {ui.money(rec.gap, currency)} a month: "
            "we cannot beat it profitably here, so our price is the floor."
        )

    st.subheader("Band")
    members = list(band.competitors)
    st.altair_chart(charts.band_chart(band, members, rec.price_per_month, currency),
                    width="stretch")

    st.subheader("Band history")
    dates = ui.guarded(data.band_dates)
    history = ui.guarded(lambda: data.band_history(profile, segment, dates, min_count,
                                                   currency))
    if sum(1 for b in history if b.sufficient) < 1:
        st.info("No past date had enough providers for a band yet.")
    else:
        st.altair_chart(charts.band_history_chart(history, dates, currency), width="stretch")

    st.subheader("Price per unit by segment and competitor")
    measure = st.selectbox("Measure", list(charts.MEASURES), format_func=charts.MEASURES.get,
                           key="market-measure")
    st.altair_chart(charts.heatmap(list(position.prices), measure, currency), width="stretch")

    st.subheader("Competitors in this segment")
    ui.table(prices_frame(members), places={"per minute": 4, "per call": 4})


def prices_frame(prices: list[api.CompetitorPrice]) -> pd.DataFrame:
    """The engine's per-competitor prices as a table (money as numbers with its currency)."""
    return pd.DataFrame(
        [
            {
                "competitor": p.competitor_name,
                "status": p.status,
                "cheapest plan": p.plan_name,
                "monthly cost": ui.num(p.monthly_cost),
                "per minute": ui.num(p.per_minute),
                "per call": ui.num(p.per_call),
                "per seat-month": ui.num(p.per_seat_month),
                "currency": p.currency,
                "observed": p.observed_at,
            }
            for p in sorted(prices, key=lambda p: (p.monthly_cost is None, p.monthly_cost or 0))
        ]
    )


render()
