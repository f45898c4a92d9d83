"""Crawl health: runs, failures per competitor, pages kept as evidence, staleness alarm."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui


def render() -> None:
    st.title("Crawl health")
    ui.require_data(need_observations=False)
    fresh = ui.guarded(data.crawl_freshness)
    if fresh.last_good_at is None:
        st.error("ALARM: no crawl has ever succeeded. Run `ratebench crawl` and check its log.")
    elif fresh.stale:
        st.error(
            f"ALARM: the last good crawl finished {fresh.age_hours:.1f} hours ago "
            f"(more than {data.STALE_AFTER_HOURS:.0f} h). Prices shown may be out of date; "
            "check the scheduler (`ratebench schedule`) and run `ratebench crawl`."
        )
    else:
        st.success(f"Last good crawl finished {fresh.age_hours:.1f} hours ago.")
    if fresh.last_status and fresh.last_status not in ("ok",):
        st.warning(f"The most recent run's status is {fresh.last_status}.")

    runs = ui.guarded(data.crawl_runs)
    c1, c2, c3 = st.columns(3)
    c1.metric("Runs recorded", fresh.runs)
    c2.metric("Last run status", fresh.last_status or "—")
    c3.metric("Last good crawl", ui.age_text(fresh.last_good_at))

    st.subheader("Runs")
    st.dataframe(runs, hide_index=True, width="stretch")

    st.subheader("Failures per competitor")
    st.dataframe(ui.guarded(data.crawl_failures), hide_index=True, width="stretch")

    st.subheader("Pages kept as evidence")
    pages = ui.guarded(data.pages_kept)
    st.caption(
        f"{int(pages['page_versions'].sum()) if len(pages) else 0} page versions kept, "
        f"{int(pages['stored_bytes'].sum()) if len(pages) else 0:,} bytes compressed."
    )
    st.dataframe(pages, hide_index=True, width="stretch")


render()
