"""Shared page pieces: the empty-database page, busy database, formatting."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import streamlit as st

from dashboard import data

T = TypeVar("T")

FILL_HELP = """\
Fill it with the demo market (an offline mirror of real pricing pages):

    make demo

or crawl the competitors in the registry:

    ratebench crawl

The dashboard reads {path} (set RATEBENCH_DB or `ratebench dashboard --db PATH` to change it).
"""


def require_data(*, need_observations: bool = True) -> data.DbStatus:
    """Stop the page with instructions when the database is missing or empty."""
    try:
        status = data.status()
    except data.DatabaseUnavailable as exc:
        st.warning(str(exc))
        st.stop()
    if not status.exists:
        st.info("No database yet.")
        st.code(FILL_HELP.format(path=status.path), language="text")
        st.stop()
    if not status.has_schema or (need_observations and not status.has_data) or (
        not need_observations and status.runs == 0
    ):
        st.info("The database is empty: no crawl has stored any prices yet.")
        st.code(FILL_HELP.format(path=status.path), language="text")
        st.stop()
    return status


def guarded(work: Callable[[], T]) -> T:
    """Run a data call; a busy database shows a warning instead of a traceback."""
    try:
        return work()
    except data.DatabaseUnavailable as exc:
        st.warning(str(exc))
        st.stop()


def money(value: Decimal | float | int | None, currency: str = "USD") -> str:
    """'$1,234.50' style; None shows as a dash."""
    if value is None:
        return "—"
    symbol = {"USD": "$", "GBP": "£", "EUR": "€", "CAD": "CA$", "AUD": "A$"}.get(currency, "")
    text = f"{Decimal(str(value)):,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def age_text(moment: datetime | None, now: datetime | None = None) -> str:
    """'5.2 h ago' / '3.1 days ago'."""
    if moment is None:
        return "never"
    hours = ((now or datetime.now(UTC)) - moment).total_seconds() / 3600
    return f"{hours:.1f} h ago" if hours < 48 else f"{hours / 24:.1f} days ago"


def num(value: Decimal | None) -> float | None:
    """A Decimal for a table column (tables sort and align numbers, not strings)."""
    return None if value is None else float(value)


def days_text(days: float | None) -> str:
    """An age given in days, in hours when under two days."""
    if days is None:
        return "—"
    return f"{days * 24:.1f} h" if days < 2 else f"{days:.1f} days"


def plain(text: str) -> str:
    """Text made inert for st.markdown: markdown and HTML characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>&~$])", r"\\\1", text)


def table(frame: Any, *, places: dict[str, int] | None = None, default_places: int = 2) -> None:
    """st.dataframe with fixed decimals on float columns (`places` overrides per column)."""
    places = places or {}
    config = {}
    for column in getattr(frame, "columns", []):
        if str(getattr(frame[column], "dtype", "")).startswith("float"):
            digits = places.get(column, default_places)
            config[column] = st.column_config.NumberColumn(format=f"%.{digits}f")
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
