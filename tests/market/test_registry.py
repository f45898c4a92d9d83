"""The competitor registry: the shipped file loads, and each kind of bad field is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.registry import Competitor, RegistryError, load_registry

GOOD = """
[[competitor]]
id = "ruby"
name = "Ruby Receptionists"
website = "https://www.ruby.com/"
country = "US"
currency = "USD"
delivery = "domestic"
service_type = "answering_service"
verticals = ["legal", "general"]
pricing_urls = ["https://www.ruby.com/pricing/"]
billing_increment_seconds = 30
billing_notes = "30-second increments"

[[competitor]]
id = "csnotepad"
name = "CSnotepad"
website = "https://www.csnotepad.co.uk/"
country = "GB"
currency = "GBP"
delivery = "domestic"
service_type = "answering_service"
verticals = ["general"]
pricing_urls = ["https://www.csnotepad.co.uk/telephone-answering-pricing.php"]
billing_notes = "85p per minute"
"""


def test_shipped_registry_has_the_required_mix() -> None:
    competitors = load_registry()
    assert len(competitors) >= 20
    assert all(isinstance(c, Competitor) for c in competitors)
    assert len({c.id for c in competitors}) == len(competitors)
    assert {c.service_type for c in competitors} == {
        "answering_service",
        "ai_receptionist",
        "call_center",
    }
    call_center_deliveries = {c.delivery for c in competitors if c.service_type == "call_center"}
    assert call_center_deliveries == {"domestic", "nearshore", "offshore"}
    uk = [c for c in competitors if c.country == "GB"]
    assert len(uk) >= 2 and all(c.currency == "GBP" for c in uk)
    ids = {c.id for c in competitors}
    for expected in ("ruby", "smith-ai", "patlive", "moneypenny-us", "csnotepad", "simply66"):
        assert expected in ids
    assert all(c.pricing_urls and c.billing_notes for c in competitors)


def test_good_file_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "reg.toml"
    path.write_text(GOOD)
    ruby, csnotepad = load_registry(path)
    assert ruby.billing_increment_seconds == 30 and ruby.render == "http"
    assert csnotepad.billing_increment_seconds is None
    assert ruby.verticals == ("legal", "general")


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment"),
    [
        ('delivery = "domestic"', 'delivery = "local"', "delivery", "must be one of domestic"),
        ('currency = "USD"', 'currency = "usd"', "currency", "USD, GBP, EUR, CAD, AUD"),
        (
            'service_type = "answering_service"',
            'service_type = "bpo"',
            "service_type",
            "'bpo'",
        ),
        ('country = "US"', 'country = "UK"', "country", "'GB'"),
        ('country = "US"', 'country = "USA"', "country", "alpha-2"),
        (
            'pricing_urls = ["https://www.ruby.com/pricing/"]',
            'pricing_urls = ["ftp://www.ruby.com/pricing/"]',
            "pricing_urls",
            "http(s) URL",
        ),
        (
            'pricing_urls = ["https://www.ruby.com/pricing/"]',
            "pricing_urls = []",
            "pricing_urls",
            "non-empty list",
        ),
        ('website = "https://www.ruby.com/"', 'website = "www.ruby.com"', "website", "http(s)"),
        ("billing_increment_seconds = 30", "billing_increment_seconds = 45", "billing_increment_seconds", "45"),
        ("billing_increment_seconds = 30", 'billing_increment_seconds = "30"', "billing_increment_seconds", "integer"),
        ('verticals = ["legal", "general"]', 'verticals = "legal"', "verticals", "list"),
        ('name = "Ruby Receptionists"', 'name = ""', "name", "non-empty string"),
        ('billing_notes = "30-second increments"', "", "billing_notes", "is required"),
        ('billing_notes = "30-second increments"', 'billing_notes = "x"\nrender = "js"', "render", "http, browser"),
        ('billing_notes = "30-second increments"', 'billing_notes = "x"\nprice = 3', "price", "not a registry field"),
    ],
)
def test_bad_field_names_file_entry_and_field(
    tmp_path: Path, old: str, new: str, field: str, fragment: str
) -> None:
    path = tmp_path / "bad.toml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    message = str(info.value)
    assert "bad.toml" in message
    assert "competitor #1 (ruby)" in message
    assert f"field '{field}'" in message
    assert fragment in message


def test_second_entry_is_named_by_index_and_id(tmp_path: Path) -> None:
    path = tmp_path / "reg.toml"
    path.write_text(GOOD.replace('currency = "GBP"', 'currency = "JPY"'))
    with pytest.raises(RegistryError, match=r"competitor #2 \(csnotepad\): field 'currency'.*'JPY'"):
        load_registry(path)


def test_duplicate_id(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text(GOOD.replace('id = "csnotepad"', 'id = "ruby"'))
    with pytest.raises(RegistryError, match=r"dup.toml: competitor #2 \(ruby\): field 'id' duplicates competitor #1"):
        load_registry(path)


def test_bad_slug(tmp_path: Path) -> None:
    path = tmp_path / "slug.toml"
    path.write_text(GOOD.replace('id = "ruby"', 'id = "Ruby Inc"'))
    with pytest.raises(RegistryError, match=r"competitor #1 \(Ruby Inc\): field 'id' must be a lowercase slug"):
        load_registry(path)


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(GOOD.replace('name = "CSnotepad"', 'name = "CSnotepad'))
    with pytest.raises(RegistryError, match=r"broken.toml: not valid TOML"):
        load_registry(path)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"nope.toml: registry file not found"):
        load_registry(tmp_path / "nope.toml")
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing\n")
    with pytest.raises(RegistryError, match=r"empty.toml: no \[\[competitor\]\] tables"):
        load_registry(empty)
    stray = tmp_path / "stray.toml"
    stray.write_text('title = "x"\n' + GOOD)
    with pytest.raises(RegistryError, match=r"stray.toml: unknown top-level key 'title'"):
        load_registry(stray)
