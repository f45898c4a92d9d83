"""Goodcall (goodcall.com): a comparison table billed by unique callers, not by calls or minutes.

Plans are the table's columns; rows are labelled "Monthly billing", "Yearly billing", "Unique
callers" and "Extra callers". Goodcall counts each unique caller once a month, so the contract's
nearest fields are included calls and the price per call beyond them (market_prices.md: "$79/agent
/100 unique callers ($0.50/caller)"). The generic layer reads "callers" as no calls at all.
"""

from __future__ import annotations

import re

from benchmark.model import RatePlan
from scrapers.extraction import ratetext
from scrapers.extraction.pages import PricingPage, rate_plan, register, text_of

TABLE = "table.pricing"
PLAN_NAMES = "thead th"  # the first header cell labels the row labels ("Plan")
ROWS = "tbody tr"
ROW_LABEL = "th"
CELLS = "td"
_COUNT = re.compile(r"^\d[\d,]*$")


@register("goodcall.com")
class GoodcallPricing(PricingPage):
    """Plans from Goodcall's pricing table, one per column."""

    def plans(self) -> list[RatePlan] | None:
        table = self.selector.css(TABLE)
        if not table:
            return None
        names = [text_of(th) for th in table[0].css(PLAN_NAMES)][1:]
        rows = {
            text_of(tr.css(ROW_LABEL)).lower(): [text_of(td) for td in tr.css(CELLS)]
            for tr in table[0].css(ROWS)
        }
        plans = []
        for i, name in enumerate(names):

            def cell(label: str, i: int = i) -> str:
                values = rows.get(label, [])
                return values[i] if i < len(values) else ""

            monthly, yearly = cell("monthly billing"), cell("yearly billing")
            rate = ratetext.read_rate([monthly], self.currency)
            if rate.price is None:
                continue
            annual = ratetext.read_rate([yearly], self.currency)
            if annual.price is not None:
                rate.annual_price_per_month = annual.price
            callers = cell("unique callers").replace(",", "")
            if _COUNT.match(callers):
                rate.included_calls = int(callers)
            extra = ratetext.find_money(cell("extra callers"), self.currency)
            if extra:
                rate.overage_per_call = ratetext.cents(extra[0].amount)
            plan = rate_plan(name, rate, self.currency)
            if plan is not None:
                plans.append(plan)
        return plans
