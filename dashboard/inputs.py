"""The user's inputs: a client profile and a cost model, from examples/ or an uploaded TOML file,
with the main fields editable on screen. Validation is the engine's (benchmark.config): a bad
value is shown inline with the file and key it came from, never as a traceback."""

from __future__ import annotations

import copy
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import streamlit as st

from benchmark import api
from benchmark.config import costs_from_dict, profile_from_dict

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
UPLOAD = "Upload a TOML file"
COVERAGES = ("business_hours", "24/7")
COMPLEXITIES = ("non_technical", "technical")
DELIVERIES = ("domestic", "nearshore", "offshore")


class InputError(ValueError):
    """An input the user can fix: the message names the file or field."""


def clean_message(exc: Exception) -> str:
    """Engine messages with Decimal('5') reprs read as plain numbers."""
    return re.sub(r"Decimal\('([^']*)'\)", r"\1", str(exc))


def parse_toml(name: str, content: bytes) -> dict[str, Any]:
    """TOML text to a dict with Decimal numbers; errors name the file."""
    try:
        return tomllib.loads(content.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not valid TOML: {exc}") from None


def example_files(kind: str) -> dict[str, Path]:
    """examples/<kind>*.toml by file name, the plain `<kind>.toml` first."""
    files = sorted(EXAMPLES.glob(f"{kind}*.toml"), key=lambda p: (p.stem != kind, p.name))
    return {p.name: p for p in files}


def _source(kind: str, key: str) -> tuple[str, dict[str, Any]]:
    """Pick an example or an upload; return (source name, parsed TOML)."""
    examples = example_files(kind)
    choice = st.selectbox(
        f"{kind.capitalize()} file", [*examples, UPLOAD], key=f"{key}-{kind}-source",
        help=f"examples/{kind}*.toml, or your own {kind}.toml",
    )
    if choice == UPLOAD:
        uploaded = st.file_uploader(f"{kind}.toml", type=["toml"], key=f"{key}-{kind}-upload")
        if uploaded is None:
            raise InputError(f"choose a {kind}.toml file to upload")
        return uploaded.name, parse_toml(uploaded.name, uploaded.getvalue())
    path = examples[choice]
    return path.name, parse_toml(path.name, path.read_bytes())


def _number(label: str, value: Any, key: str, *, integer: bool = False, step: float = 1.0,
            fmt: str | None = None, help_text: str | None = None) -> Decimal:
    """A number input without bounds (the engine judges the value) returned as Decimal."""
    if integer:
        got = st.number_input(label, value=int(value), step=1, key=key, help=help_text)
        return Decimal(int(got))
    got = st.number_input(label, value=float(value), step=step, format=fmt or "%.2f", key=key,
                          help=help_text)
    return Decimal(str(round(got, 6)))


def profile_inputs(key: str, *, compact: bool = False) -> api.Profile:
    """The client profile (raises InputError with the message to show)."""
    name, raw = _source("profile", key)
    doc = copy.deepcopy(raw)
    table = doc.get("profile")
    if not isinstance(table, dict):
        raise InputError(f"{name}: the [profile] table is missing")
    k = f"{key}-profile-{name}"
    cols = st.columns(2)
    with cols[0]:
        if "calls_per_month" in table:
            table["calls_per_month"] = int(_number(
                "Calls per month", table["calls_per_month"], f"{k}-calls", integer=True))
    with cols[1]:
        if "average_handle_seconds" in table:
            table["average_handle_seconds"] = _number(
                "Average handle time (s)", table["average_handle_seconds"], f"{k}-aht",
                step=10.0, fmt="%.0f")
    if not compact:
        cols = st.columns(3)
        coverage = table.get("coverage", "business_hours")
        if coverage in COVERAGES:
            table["coverage"] = cols[0].selectbox(
                "Coverage", COVERAGES, index=COVERAGES.index(coverage), key=f"{k}-coverage")
        complexity = table.get("complexity", "non_technical")
        if complexity in COMPLEXITIES:
            table["complexity"] = cols[1].selectbox(
                "Complexity", COMPLEXITIES, index=COMPLEXITIES.index(complexity),
                key=f"{k}-complexity")
        delivery = table.get("delivery", "domestic")
        if delivery in DELIVERIES:
            table["delivery"] = cols[2].selectbox(
                "Delivery", DELIVERIES, index=DELIVERIES.index(delivery), key=f"{k}-delivery")
        languages = table.get("languages", ["en"])
        if isinstance(languages, list):
            text = st.text_input("Languages (comma-separated)", ", ".join(map(str, languages)),
                                 key=f"{k}-languages")
            table["languages"] = [x.strip() for x in text.split(",") if x.strip()]
    try:
        return profile_from_dict(doc, name)
    except api.ConfigError as exc:
        raise InputError(clean_message(exc)) from None


def costs_inputs(key: str) -> api.Costs:
    """The cost model (raises InputError with the message to show)."""
    name, raw = _source("costs", key)
    doc = copy.deepcopy(raw)
    k = f"{key}-costs-{name}"
    ops = doc.get("operators")
    policy = doc.get("policy")
    if isinstance(ops, dict):
        cols = st.columns(4)
        fields = (
            ("count", "Operators", True, 1.0, None),
            ("hourly_wage", "Hourly wage", False, 0.5, "%.2f"),
            ("paid_hours_per_month", "Paid hours / month", False, 1.0, "%.0f"),
            ("burden_rate", "Burden rate", False, 0.01, "%.2f"),
        )
        for col, (field, label, integer, step, fmt) in zip(cols, fields, strict=True):
            if field in ops:
                with col:
                    value = _number(label, ops[field], f"{k}-ops-{field}", integer=integer,
                                    step=step, fmt=fmt, help_text=f"operators.{field}")
                    ops[field] = int(value) if integer else value
    if isinstance(policy, dict):
        cols = st.columns(2)
        for col, field, label in ((cols[0], "occupancy", "Occupancy"),
                                  (cols[1], "min_margin", "Minimum margin")):
            if field in policy:
                with col:
                    policy[field] = _number(label, policy[field], f"{k}-policy-{field}",
                                            step=0.01, help_text=f"policy.{field}")
    with st.expander("Staff and fixed costs (per month)"):
        for section in ("staff", "fixed"):
            table = doc.get(section)
            if not isinstance(table, dict):
                continue
            cols = st.columns(4)
            i = 0
            for field, value in table.items():
                if isinstance(value, list):
                    for j, item in enumerate(value):
                        with cols[i % 4]:
                            value[j] = _number(f"{section}.{field}[{j}]", item,
                                               f"{k}-{section}-{field}-{j}", step=100.0)
                        i += 1
                else:
                    with cols[i % 4]:
                        table[field] = _number(f"{section}.{field}", value,
                                               f"{k}-{section}-{field}", step=100.0)
                    i += 1
    try:
        return costs_from_dict(doc, name)
    except api.ConfigError as exc:
        raise InputError(clean_message(exc)) from None


def default_costs() -> api.Costs:
    """examples/costs.toml, for views that need a cost model but do not edit one."""
    return api.load_costs(EXAMPLES / "costs.toml")
