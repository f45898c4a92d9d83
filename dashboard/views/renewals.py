"""Renewals: contracts due soon, where each price sits in its band, what to renew at.
At-risk clients (paying above the band's P75) come first."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from benchmark import api
from dashboard import data, inputs, ui

EXAMPLE = inputs.EXAMPLES / "contracts.csv"
STRATEGIES = ("match", "beat", "premium")


def _contracts_file() -> Path:
    """The example contracts.csv or an upload saved under its own name (errors name it)."""
    source = st.radio("Contracts", ("Example (examples/contracts.csv)", "Upload a CSV"),
                      horizontal=True, key="renewals-source")
    if source.startswith("Example"):
        return EXAMPLE
    uploaded = st.file_uploader("contracts.csv", type=["csv"], key="renewals-upload")
    if uploaded is None:
        raise inputs.InputError("choose a contracts CSV to upload")
    # One folder per content, so a rerun reuses the file (and the cached result).
    digest = hashlib.sha256(uploaded.getvalue()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"ratebench-upload-{digest}"
    folder.mkdir(exist_ok=True)
    path = folder / Path(uploaded.name).name
    path.write_bytes(uploaded.getvalue())
    return path


def render() -> None:
    st.title("Renewals")
    ui.require_data()
    cols = st.columns(3)
    today = cols[0].date_input("As of", datetime.now(UTC).date(), key="renewals-today")
    within = int(cols[1].number_input("Renewals due within (days)", value=90, step=15,
                                      key="renewals-within"))
    strategy = cols[2].radio("Strategy", STRATEGIES, horizontal=True, key="renewals-strategy")
    if within < 0:
        st.error(f"Renewals due within (days) = {within}: must be 0 or more")
        st.stop()
    try:
        path = _contracts_file()
        with st.expander("Cost model"):
            costs = inputs.costs_inputs("renewals")
    except inputs.InputError as exc:
        st.error(str(exc))
        st.stop()
    try:
        due = ui.guarded(lambda: data.renewals(path, costs, within_days=within, today=today,
                                               strategy=strategy))
    except (api.RenewalError, api.ConfigError) as exc:
        st.error(inputs.clean_message(exc).replace(str(path), path.name))
        st.stop()

    # At-risk clients first, then the soonest renewal.
    due = sorted(due, key=lambda r: (not r.at_risk, r.renewal_date, r.client))
    at_risk = sum(1 for r in due if r.at_risk)
    cols = st.columns(3)
    cols[0].metric("Renewals due", len(due))
    cols[1].metric("At risk (above P75)", at_risk)
    cols[2].metric("Window", f"{within} days from {today:%Y-%m-%d}")
    st.subheader(f"Renewals due within {within} days")
    if not due:
        st.info("No contract renews in this window.")
        return
    if at_risk:
        st.warning(f"{at_risk} client(s) pay above the market's P75: approach them before "
                   "their renewal date.")
    ui.table(
        pd.DataFrame(
            [
                {
                    "at risk": r.at_risk,
                    "client": r.client,
                    "renewal date": r.renewal_date,
                    "days left": r.days_left,
                    "current / month": ui.num(r.current_monthly_price),
                    "recommended / month": ui.num(r.recommended_monthly_price),
                    "percentile": r.percentile,
                    "P25": ui.num(r.p25),
                    "P50": ui.num(r.p50),
                    "P75": ui.num(r.p75),
                    "providers": r.n_priced,
                    "currency": r.currency,
                    "note": r.note,
                }
                for r in due
            ]
        ),
        places={"percentile": 1},
    )


render()
