"""The engine's command line: --json keys from DESIGN.md, tables, errors naming the input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ratebench.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
RECOMMEND_KEYS = {"price_per_seat_month", "price_per_minute", "price_per_call",
                  "cost_floor_per_seat_month", "margin", "percentile", "band", "seats",
                  "undercuts", "explanation"}


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_staffing_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, ["staffing", "--calls-per-hour", "200", "--aht-seconds", "180",
                             "--service-level", "0.8", "--answer-within", "20", "--json"])
    assert isinstance(data, dict)
    assert {"agents", "service_level", "occupancy", "traffic_erlangs"} <= set(data)
    assert data["agents"] == 14 and data["traffic_erlangs"] == 10.0


def test_recommend_json_in_a_child_process(market_db: Path) -> None:
    ratebench = Path(sys.executable).parent / "ratebench"
    out = subprocess.run(
        [str(ratebench), "recommend", "--profile", str(EXAMPLES / "profile.toml"), "--costs",
         str(EXAMPLES / "costs.toml"), "--strategy", "match", "--db", str(market_db), "--json"],
        capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "RATEBENCH_DB": ""},
    )
    data = json.loads(out.stdout)
    assert RECOMMEND_KEYS <= set(data)
    assert {"p10", "p25", "p50", "p75", "p90", "n_priced", "n_quote_only"} <= set(data["band"])
    for key in ("price_per_seat_month", "price_per_minute", "price_per_call",
                "cost_floor_per_seat_month"):
        assert isinstance(data[key], str)  # money as strings
    assert data["cost_floor_per_seat_month"] == "7518.84"
    assert data["band"]["n_priced"] == 9 and data["band"]["n_quote_only"] == 2
    assert all(isinstance(s, str) and s for s in data["explanation"])


def test_recommend_each_strategy_orders(capsys, market_db: Path) -> None:
    prices = {}
    for strategy in ("beat", "match", "premium"):
        data = run_json(capsys, ["recommend", "--profile", str(EXAMPLES / "profile.toml"),
                                 "--costs", str(EXAMPLES / "costs.toml"), "--strategy", strategy,
                                 "--db", str(market_db), "--json"])
        prices[strategy] = float(data["price_per_seat_month"])
    assert prices["beat"] < prices["match"] < prices["premium"]


def test_bands_changes_ratecard_renewals(capsys, market_db: Path) -> None:
    band = run_json(capsys, ["bands", "--profile", str(EXAMPLES / "profile.toml"), "--db",
                             str(market_db), "--json"])
    assert band["status"] == "ok" and band["n_priced"] == 9
    assert len({c["competitor_id"] for c in band["competitors"]}) == len(band["competitors"])
    rate_bands = run_json(capsys, ["bands", "--rate-cards", "--db", str(market_db), "--json"])
    assert {b["kind"] for b in rate_bands} >= {"per_minute", "per_agent_hour"}
    changes = run_json(capsys, ["changes", "--competitor", "patlive", "--db", str(market_db),
                                "--json"])
    assert [(c["old_price"], c["new_price"], c["percent"]) for c in changes] == [
        ("189.0000", "199.0000", 5.29)]
    card = run_json(capsys, ["ratecard", "--profile", str(EXAMPLES / "profile.toml"), "--costs",
                             str(EXAMPLES / "costs.toml"), "--db", str(market_db), "--json"])
    assert [t["quantity"] for t in card["tiers"]] == [50, 100, 200, 500, 1000]
    renewals = run_json(capsys, ["renewals", "--contracts", str(EXAMPLES / "contracts.csv"),
                                 "--costs", str(EXAMPLES / "costs.toml"), "--today", "2026-11-01",
                                 "--within-days", "60", "--db", str(market_db), "--json"])
    assert [r["client"] for r in renewals] == ["Hill Country Dental", "Barton & Lee LLP"]
    assert all("at_risk" in r and r["band"]["p75"] for r in renewals)
    # human-readable output
    assert main(["bands", "--profile", str(EXAMPLES / "profile.toml"), "--db",
                 str(market_db)]) == 0
    assert "P50" in capsys.readouterr().out


def test_rebuild_and_fx_import_write(capsys, market_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(market_db, db)
    result = run_json(capsys, ["rebuild", "--db", str(db), "--json"])
    assert result["changes"] == 1 and result["versions"] > 40
    assert result["check_failures"] == {}
    bad = tmp_path / "fx.csv"
    bad.write_text("rate_date,currency,usd_per_unit\n2026-01-01,GBP,zero\n")
    assert main(["fx", "import", str(bad), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"{bad} line 2" in err and "'zero'" in err


def test_bad_profile_exits_2_naming_file_key_value(capsys, tmp_path: Path, market_db: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text((EXAMPLES / "profile.toml").read_text().replace(
        "calls_per_month = 600", "calls_per_month = -3"))
    code = main(["recommend", "--profile", str(profile), "--costs", str(EXAMPLES / "costs.toml"),
                 "--db", str(market_db)])
    assert code == 2
    err = capsys.readouterr().err
    assert str(profile) in err and "profile.calls_per_month" in err and "-3" in err
