"""A `scrapy check` contract that feeds a callback a saved page instead of the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.contracts import Contract

FIXTURES = Path(__file__).with_name("fixtures")


class FixturePageContract(Contract):
    """`@fixture FILE REAL_URL COMPETITOR COUNTRY CURRENCY`: parse fixtures/FILE as REAL_URL.

    The page is read through a file: URL, so `scrapy check` runs offline; the meta is what the
    spider's own requests carry.
    """

    name = "fixture"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, real_url, competitor_id, country, currency = self.args
        path = (FIXTURES / filename).resolve()
        args["url"] = path.as_uri()
        args["meta"] = {
            "competitor_id": competitor_id,
            "real_url": real_url,
            "country": country,
            "currency": currency,
        }
        return args
