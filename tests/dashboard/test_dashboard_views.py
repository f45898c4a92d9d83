"""Competitors, Recommend and Renewals views: the engine's numbers, bad inputs, empty data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from benchmark import api
from dashboard import data, exports, inputs
from tests.dashboard.seed import HOSTILE_EVIDENCE

PROFILE = inputs.EXAMPLES / "profile.toml"
COSTS = inputs.EXAMPLES / "costs.toml"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _number(at, label: str):
    return next(n for n in at.number_input if n.label == label)


# --- Competitors ------------------------------------------------------------------------------


def test_competitor_rate_card_changes_and_evidence(seeded_db: Path, open_page) -> None:
    at = open_page("competitors")
    at.selectbox(key="competitors-id").select("patlive").run()
    card, changes, market_changes = (d.value for d in at.dataframe)
    with duckdb.connect(str(seeded_db), read_only=True) as con:
        engine_card = api.latest_rate_cards(con, "patlive")
        engine_changes = api.rate_changes(con, "patlive")
    assert list(card["plan"]) == [r["plan_name"] for r in engine_card]
    assert sorted(card["price"].astype(float)) == sorted(float(r["price"]) for r in engine_card)
    assert len(changes) == len(engine_changes) == 1
    change = changes.iloc[0]
    assert (float(change["old"]), float(change["new"]), change["percent"]) == (
        float(engine_changes[0]["old_price"]), float(engine_changes[0]["new_price"]),
        engine_changes[0]["percent"])
    assert float(change["new"]) == 109.0 and float(change["old"]) == 99.0
    assert len(market_changes) == 2  # PATLive and Ruby changed in the last crawl
    assert "50 minutes $109 per month" in [c.value for c in at.code]
    assert "Source: https://www.patlive.com/pricing" in [t.value for t in at.text]


def test_hostile_evidence_is_shown_as_code_never_markdown(seeded_db: Path, open_page) -> None:
    at = open_page("competitors")
    at.selectbox(key="competitors-id").select("posh").run()
    assert HOSTILE_EVIDENCE in [c.value for c in at.code]
    assert not any("<script>" in m.value for m in at.markdown)


def test_failed_last_fetch_is_flagged(seeded_db: Path, open_page) -> None:
    at = open_page("competitors")
    at.selectbox(key="competitors-id").select("signpost").run()
    # Signpost failed in run 2 but succeeded in run 3: last attempt ok, no warning.
    assert _metrics(at)["Last attempt"] == "ok"
    assert not at.warning


# --- Recommend --------------------------------------------------------------------------------


def _engine_recommendation(db: Path, strategy: str) -> api.Recommendation:
    with duckdb.connect(str(db), read_only=True) as con:
        return api.recommend(con, api.load_profile(PROFILE), api.load_costs(COSTS), strategy)


@pytest.mark.parametrize("strategy", ["match", "beat", "premium"])
def test_recommend_numbers_equal_the_engines(seeded_db: Path, open_page, strategy: str) -> None:
    at = open_page("recommend")
    at.radio(key="rec-strategy").set_value(strategy).run()
    assert not at.exception and not at.error
    rec = _engine_recommendation(seeded_db, strategy)
    m = _metrics(at)
    assert m["Price per seat-month"] == f"${rec.price_per_seat_month:,.2f}"
    assert m["Price per month"] == f"${rec.price_per_month:,.2f}"
    assert m["Margin"] == f"{rec.margin * 100:.1f}%"
    assert m["Seats"] == str(rec.seats)
    assert m["Per-minute plan (USD per minute)"] == f"{rec.price_per_minute:.4f}"
    assert m["Cheaper than (share of providers)"] == f"{rec.cheaper_than_pct:.0f}%"
    assert at.subheader[3].value == (
        f"Cheaper than {rec.cheaper_than_pct:.0f}% of {rec.band.n_priced} providers")
    with duckdb.connect(str(seeded_db), read_only=True) as con:
        card = api.design_rate_card(con, api.load_profile(PROFILE), api.load_costs(COSTS),
                                    strategy)
    tiers = at.dataframe[0].value
    assert list(tiers["price"]) == [float(t.price) for t in card.tiers]


def test_downloads_carry_the_quote_and_the_rate_card(seeded_db: Path) -> None:
    profile, costs = api.load_profile(PROFILE), api.load_costs(COSTS)
    with duckdb.connect(str(seeded_db), read_only=True) as con:
        rec = api.recommend(con, profile, costs, "match")
        card = api.design_rate_card(con, profile, costs, "match")
    quote = exports.quote_markdown(profile, rec)
    assert f"**Price per month: ${rec.price_per_month:,.2f}**" in quote
    assert all(sentence in quote for sentence in rec.explanation)
    rows = exports.rate_card_csv(card).splitlines()
    assert rows[0].startswith("bundle,unit,price")
    assert rows[1].startswith(f"50,minutes,{card.tiers[0].price}")
    assert rows[-1].startswith("overage,minutes,,")


@pytest.mark.parametrize(
    ("label", "value", "field"),
    [
        ("Hourly wage", -5.0, "operators.hourly_wage"),
        ("Operators", 0, "operators.count"),
        ("Calls per month", 0, "profile.calls_per_month"),
        ("Average handle time (s)", -30.0, "profile.average_handle_seconds"),
    ],
)
def test_bad_inputs_give_an_inline_error_naming_the_field(
    seeded_db: Path, open_page, label: str, value: float, field: str
) -> None:
    at = open_page("recommend")
    _number(at, label).set_value(value).run()
    assert not at.exception
    assert len(at.error) == 1 and field in at.error[0].value
    assert not at.metric  # no price is shown for a bad input


def test_negative_fixed_cost_names_the_field(seeded_db: Path, open_page) -> None:
    at = open_page("recommend")
    _number(at, "fixed.office_space").set_value(-100.0).run()
    assert "fixed.office_space" in at.error[0].value


def test_insufficient_data_says_so(seeded_db: Path, open_page) -> None:
    at = open_page("recommend")
    at.selectbox(key="recommend-profile-source").set_value(
        "profile_callcenter_offshore.toml").run()
    assert not at.exception
    with duckdb.connect(str(seeded_db), read_only=True) as con:
        rec = api.recommend(con, api.load_profile(inputs.EXAMPLES /
                                                  "profile_callcenter_offshore.toml"),
                            api.load_costs(COSTS), "match")
    assert not rec.band.sufficient
    assert any("Insufficient data" in w.value for w in at.warning)
    assert _metrics(at)["Price per month"] == f"${rec.price_per_month:,.2f}"


# --- Renewals ---------------------------------------------------------------------------------


def test_renewals_equal_the_engines_at_risk_first(seeded_db: Path, open_page) -> None:
    at = open_page("renewals")
    today = date(2026, 11, 1)
    at.date_input(key="renewals-today").set_value(today).run()
    at.number_input(key="renewals-within").set_value(200).run()
    assert not at.exception and not at.error
    with duckdb.connect(str(seeded_db), read_only=True) as con:
        due = api.renewals(con, inputs.EXAMPLES / "contracts.csv", api.load_costs(COSTS),
                           within_days=200, today=today)
    assert due, "the example contracts have renewals in this window"
    table = at.dataframe[0].value
    assert sorted(table["client"]) == sorted(r.client for r in due)
    by_client = {r.client: r for r in due}
    for _, row in table.iterrows():
        r = by_client[row["client"]]
        assert row["recommended / month"] == float(r.recommended_monthly_price)
        assert row["at risk"] == r.at_risk
    flags = list(table["at risk"])
    assert flags == sorted(flags, reverse=True)  # at-risk clients first
    assert _metrics(at)["Renewals due"] == str(len(due))


def test_upload_without_a_file_asks_for_one(seeded_db: Path, open_page) -> None:
    at = open_page("renewals")
    at.radio(key="renewals-source").set_value("Upload a CSV").run()
    assert "choose a contracts CSV" in at.error[0].value


def test_malformed_contracts_csv_names_file_line_and_column(
    seeded_db: Path, tmp_path: Path
) -> None:
    # AppTest cannot drive st.file_uploader; the view saves an upload under its own name and
    # calls this same function, then shows the message with st.error.
    bad = tmp_path / "my_contracts.csv"
    good = (inputs.EXAMPLES / "contracts.csv").read_text().splitlines()
    bad.write_text("\n".join([good[0], good[1].replace(",USD,", ",USD,").rsplit(",", 1)[0]
                              + ",31/12/2026"]) + "\n")
    with pytest.raises(api.RenewalError) as caught:
        data.renewals(bad, api.load_costs(COSTS), within_days=90, today=date(2026, 12, 1),
                      strategy="match")
    message = str(caught.value)
    assert "my_contracts.csv line 2" in message and "renewal_date" in message


def test_malformed_toml_upload_names_the_file() -> None:
    with pytest.raises(inputs.InputError, match=r"costs_mine.toml: not valid TOML"):
        inputs.parse_toml("costs_mine.toml", b"[operators\ncount = 8")
    with pytest.raises(inputs.InputError, match=r"profile.toml: not a UTF-8 text file"):
        inputs.parse_toml("profile.toml", b"\xff\xfe\x00")


def test_renewals_negative_window_is_an_error(seeded_db: Path, open_page) -> None:
    at = open_page("renewals")
    at.number_input(key="renewals-within").set_value(-3).run()
    assert "Renewals due within (days) = -3" in at.error[0].value


@pytest.mark.parametrize("page", ["competitors", "recommend", "renewals", "market"])
def test_missing_database_explains_how_to_fill_it(missing_db: Path, open_page, page) -> None:
    at = open_page(page)
    assert "No database yet" in at.info[0].value
    assert "ratebench crawl" in at.code[0].value
