"""Competitors: latest rate card, change history, evidence and source, last good fetch.

Scraped text (plan names, evidence) is shown with st.dataframe / st.code, never as HTML or
markdown; a source URL is shown as text and opened with a link button (http/https only).
"""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd
import streamlit as st

from dashboard import data, ui

RATE_COLUMNS = {
    "plan_name": "plan",
    "unit": "unit",
    "price": "price",
    "currency": "currency",
    "included_minutes": "incl. minutes",
    "included_calls": "incl. calls",
    "overage_per_minute": "overage / min",
    "overage_per_call": "overage / call",
    "setup_fee": "setup fee",
    "billing_increment_seconds": "increment (s)",
    "annual_price_per_month": "annual / month",
    "fetched_at": "seen at",
}
CHANGE_COLUMNS = {
    "changed_at": "date",
    "competitor_id": "competitor",
    "plan_name": "plan",
    "old_price": "old",
    "new_price": "new",
    "percent": "percent",
    "currency": "currency",
    "old_overage_per_minute": "old overage / min",
    "new_overage_per_minute": "new overage / min",
}


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.rename(columns=columns)


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def render() -> None:
    st.title("Competitors")
    ui.require_data()
    registry = ui.guarded(data.last_fetches)
    names = dict(zip(registry["competitor_id"], registry["name"], strict=True))
    ids = list(names)
    # ?competitor=<id> opens one competitor directly (links from other pages, bookmarks).
    wanted = st.query_params.get("competitor")
    cid = st.selectbox("Competitor", ids, index=ids.index(wanted) if wanted in ids else 0,
                       format_func=lambda c: f"{names[c]} ({c})", key="competitors-id")
    facts = registry[registry["competitor_id"] == cid].iloc[0]

    st.text(f"Segment: {facts['service_type']} / {facts['delivery']} / {facts['country']}"
            f"   Website: {facts['website']}")
    cols = st.columns(2)
    last_ok = None if pd.isna(facts["last_ok_at"]) else facts["last_ok_at"].to_pydatetime()
    cols[0].metric("Last fetched successfully", ui.age_text(last_ok))
    last_attempt_ok = facts["last_attempt_ok"]
    cols[1].metric("Last attempt", "—" if pd.isna(last_attempt_ok)
                   else ("ok" if last_attempt_ok else "failed"))
    if last_ok is not None:
        st.caption(f"Last good fetch at {last_ok:%Y-%m-%d %H:%M} UTC.")
    if not pd.isna(last_attempt_ok) and not last_attempt_ok:
        st.warning("The latest fetch of this competitor failed; the rate card below is the "
                   "last one fetched successfully.")

    card = ui.guarded(lambda: data.latest_rate_cards(cid))
    st.subheader("Latest rate card")
    if not card:
        st.info("No rate card has been fetched successfully for this competitor yet.")
    else:
        st.dataframe(_frame(card, RATE_COLUMNS), hide_index=True, width="stretch")

    st.subheader("Change history")
    changes = ui.guarded(lambda: data.rate_changes(cid))
    if changes:
        st.dataframe(_frame(changes, CHANGE_COLUMNS), hide_index=True, width="stretch")
    else:
        st.caption("No published price change recorded for this competitor.")

    st.subheader("Evidence")
    st.caption("The verbatim page text each price was read from, shown as plain text.")
    for index, row in enumerate(card):
        with st.container(border=True):
            st.text(f"{row.get('plan_name') or '(unnamed plan)'} — {row['unit']}")
            st.code(row.get("evidence") or "", language=None, wrap_lines=True)
            url = row.get("final_url") or row.get("url")
            st.text(f"Source: {url}")
            safe = _safe_url(url)
            if safe:
                st.link_button("Open source page", safe, key=f"src-{cid}-{index}")

    st.subheader("All changes in the market")
    everything = ui.guarded(data.rate_changes)
    if everything:
        st.dataframe(_frame(everything, CHANGE_COLUMNS), hide_index=True, width="stretch")
    else:
        st.caption("No published price change recorded yet.")


render()
