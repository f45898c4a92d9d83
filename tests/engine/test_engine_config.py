"""Bad profile and cost files give errors naming the file, the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.config import ConfigError, load_costs, load_profile

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (EXAMPLES / name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def test_examples_load() -> None:
    for name in ("profile.toml", "profile_law_firm_24x7.toml", "profile_callcenter_offshore.toml"):
        load_profile(EXAMPLES / name)
    for name in ("costs.toml", "costs_offshore.toml"):
        load_costs(EXAMPLES / name)


@pytest.mark.parametrize(
    ("old", "new", "key", "value"),
    [
        ("calls_per_month = 600", "calls_per_month = 0", "profile.calls_per_month", "0"),
        ('coverage = "business_hours"', 'coverage = "weekends"', "profile.coverage", "'weekends'"),
        ("service_level = 0.80", "service_level = 1.5", "profile.service_level", "1.5"),
        ("name = ", "nmae = ", "profile.nmae", "'Dental clinic, Austin'"),
        ('languages = ["en", "es"]', "languages = []", "profile.languages", "[]"),
    ],
)
def test_profile_errors(tmp_path: Path, old: str, new: str, key: str, value: str) -> None:
    path = edited(tmp_path, "profile.toml", old, new)
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message and key in message and value in message


@pytest.mark.parametrize(
    ("old", "new", "key", "value"),
    [
        ("phones = 600", "phones = -600", "fixed.phones", "-600"),
        ("occupancy = 0.75", "occupancy = 1.2", "policy.occupancy", "1.2"),
        ("occupancy = 0.75", "occupancy = 0", "policy.occupancy", "0"),
        ("count = 8", "count = 0", "operators.count", "0"),
        ('currency = "USD"', 'currency = "XYZ"', "currency", "'XYZ'"),
        ("hourly_wage = 18.50", 'hourly_wage = "18.50"', "operators.hourly_wage", "'18.50'"),
        ("burden_rate = 0.25", "burden_rat = 0.25", "operators.burden_rat", "0.25"),
    ],
)
def test_cost_errors(tmp_path: Path, old: str, new: str, key: str, value: str) -> None:
    path = edited(tmp_path, "costs.toml", old, new)
    with pytest.raises(ConfigError) as info:
        load_costs(path)
    message = str(info.value)
    assert str(path) in message and key in message and value in message


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_profile(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[profile\nname = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profile(bad)
