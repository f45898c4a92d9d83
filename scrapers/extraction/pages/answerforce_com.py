"""AnswerForce (answerforce.com): no prices, a quote form under a "Custom Pricing" heading.

The page's one offer is quote-only; its heading is the only name it shows and the sentence
asking for a custom quote is the evidence. The generic layer sees only the heading.
"""

from __future__ import annotations

import re

from benchmark.model import RatePlan
from scrapers.extraction.pages import PricingPage, register, text_of

TITLE = "h1"
FORM = "form.quote-form"
INTRO = "p"
_QUOTE_SENTENCE = re.compile(r"[^.!?]*\bcustom quote\b[^.!?]*", re.IGNORECASE)


@register("answerforce.com")
class AnswerForcePricing(PricingPage):
    """One quote-only plan when the page is the quote form."""

    def plans(self) -> list[RatePlan] | None:
        if not self.selector.css(FORM):
            return None
        evidence = next(
            (
                m.group(0).strip()
                for p in self.selector.css(INTRO)
                if (m := _QUOTE_SENTENCE.search(text_of(p)))
            ),
            None,
        )
        if evidence is None:
            return None
        name = text_of(self.selector.css(TITLE)[:1]) or None
        return [
            RatePlan(name=name, price=None, currency=self.currency, unit="quote", evidence=evidence)
        ]
