"""A `scrapy check` contract that feeds a callback a saved page instead of the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail

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


class PlansContract(Contract):
    """`@plans N`: every page item the callback returns carries N plans."""

    name = "plans"

    def post_process(self, output: list[Any]) -> None:
        expected = int(self.args[0])
        for item in output:
            found = len(getattr(item, "plans", ()))
            if found != expected:
                raise ContractFail(f"{getattr(item, 'url', item)!r} carries {found} plans, "
                                   f"expected {expected}")
