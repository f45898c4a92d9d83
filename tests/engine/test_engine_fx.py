"""Dated FX: shipped rates, conversion, and a validated import that names the bad row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from benchmark.fx import FxError, FxTable, import_rates, shipped_rates
from benchmark.store import init_db

D = Decimal


def test_shipped_rates_and_dated_conversion() -> None:
    table = FxTable(shipped_rates())
    assert table.usd_per_unit("GBP", date(2025, 3, 1)) == D("1.2500")  # the 2025-01-01 rate
    assert table.usd_per_unit("GBP", date(2025, 7, 1)) == D("1.3600")
    assert table.convert(D(70), "GBP", "USD", date(2024, 2, 1)) == D("88.9000")  # 70 x 1.27
    # GBP -> EUR through USD: 100 x 1.34 / 1.16
    assert table.convert(D(100), "GBP", "EUR", date(2026, 3, 1)) == D(100) * D("1.34") / D("1.16")
    with pytest.raises(FxError, match="JPY"):
        table.usd_per_unit("JPY")


def test_import_validates_then_overrides_shipped(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "fx.duckdb"))
    init_db(con)
    good = tmp_path / "rates.csv"
    good.write_text("rate_date,currency,usd_per_unit,source\n2026-06-01,GBP,1.4000,test\n"
                    "2026-06-01,EUR,1.2000,test\n")
    assert import_rates(con, good) == 2
    table = FxTable.load(con)
    assert table.usd_per_unit("GBP", date(2026, 6, 2)) == D("1.4")
    assert table.usd_per_unit("GBP", date(2026, 5, 31)) == D("1.3400")

    bad = tmp_path / "bad.csv"
    bad.write_text("rate_date,currency,usd_per_unit\n2026-07-01,GBP,1.41\n2026-07-01,EUR,-1\n")
    with pytest.raises(FxError) as info:
        import_rates(con, bad)
    assert f"{bad} line 3" in str(info.value) and "'-1'" in str(info.value)
    # nothing from the bad file was stored, the earlier import is intact
    assert con.execute("SELECT count(*) FROM fx_rates").fetchall()[0][0] == 2
    con.close()


@pytest.mark.parametrize(
    ("row", "fragment"),
    [("2026-13-01,GBP,1.3", "rate_date"), ("2026-01-01,XXX,1.3", "currency"),
     ("2026-01-01,GBP,abc", "usd_per_unit"), ("2026-01-01,USD,2", "USD must be 1")],
)
def test_bad_rows_are_named(tmp_path: Path, row: str, fragment: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text("rate_date,currency,usd_per_unit\n" + row + "\n")
    con = duckdb.connect(":memory:")
    init_db(con)
    with pytest.raises(FxError, match=fragment) as info:
        import_rates(con, path)
    assert "line 2" in str(info.value)
