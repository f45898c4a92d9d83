"""CTNP (ctnp-corp.com): its rate is one sentence of a blog article, priced per dedicated agent.

The article quotes other people's figures (calculators, base wages) before its own; only the
paragraph marked `p.rate` is CTNP's offer, and what it prices ("per dedicated agent") is the
only name the page gives it.
"""

from __future__ import annotations

import re

from benchmark.model import RatePlan
from scrapers.extraction import ratetext
from scrapers.extraction.pages import PricingPage, rate_plan, register, text_of

RATE = "article p.rate"
PRICED_THING = re.compile(r"\bper\s+(dedicated\s+agent|shared\s+agent|agent)\b", re.IGNORECASE)


@register("ctnp-corp.com")
class CtnpArticle(PricingPage):
    """Plans from a CTNP article: the `p.rate` sentence."""

    def plans(self) -> list[RatePlan] | None:
        rates = self.selector.css(RATE)
        if not rates:
            return None  # another page of the site: the generic layer reads it
        plans = []
        for element in rates:
            text = text_of(element)
            thing = PRICED_THING.search(text)
            name = thing.group(1).capitalize() if thing else None
            plan = rate_plan(name, ratetext.read_rate([text], self.currency), self.currency)
            if plan is not None:
                plans.append(plan)
        return plans
