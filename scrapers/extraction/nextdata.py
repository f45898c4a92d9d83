"""Plans from embedded JSON data blobs (Next.js `__NEXT_DATA__` and the like), without a browser.

Pages built with React frameworks often render prices client-side (animated digits, "$ --"
placeholders) while the server already ships the same plans as JSON in a
`<script id="__NEXT_DATA__" type="application/json">`. This layer walks that JSON for objects
that look like plans (a name and a price, or a quote flag) and maps common key spellings to the
contract. The evidence of each plan is its JSON object, verbatim as the page ships it when the
page writes it compactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from parsel import Selector

from benchmark.model import CURRENCIES, RatePlan
from scrapers.extraction import ratetext

# The blobs this layer reads: Next.js pages router, and Nuxt/Remix-style JSON islands by id.
BLOB_SELECTOR = (
    'script#__NEXT_DATA__[type="application/json"], '
    'script#__NUXT_DATA__[type="application/json"], '
    'script[type="application/json"][data-pricing]'
)
MAX_BLOB_CHARS = 2_000_000


def _fold(key: str) -> str:
    """'monthly_price', 'monthlyPrice' and 'Monthly-Price' are one key: 'monthlyprice'."""
    return re.sub(r"[^a-z0-9]", "", key.lower())


# Folded key spellings per contract field, most specific first.
NAME_KEYS = ("name", "planname", "title", "label", "tier", "tiername")
PRICE_KEYS = ("monthlyprice", "pricemonthly", "price", "amount", "monthly", "priceamount")
CENTS_KEYS = ("pricecents", "monthlypricecents", "unitamount", "amountcents")
ANNUAL_KEYS = (
    "annualpricepermonth", "yearlypricepermonth", "annualmonthlyprice", "priceannual",
    "annualprice", "yearlyprice", "priceyearly",
)  # fmt: skip
CURRENCY_KEYS = ("currency", "currencycode", "pricecurrency")
UNIT_KEYS = ("unit", "interval", "billingperiod", "period", "per")
MINUTES_KEYS = ("includedminutes", "minutesincluded", "minutes")
CALLS_KEYS = (
    "includedcalls", "callsincluded", "calls", "includedconversations", "conversations",
    "includedinteractions", "interactions",
)  # fmt: skip
OVERAGE_MINUTE_KEYS = ("overageperminute", "extraminute", "additionalminute", "perminuteoverage")
OVERAGE_CALL_KEYS = (
    "overagepercall", "overageperconversation", "overageperinteraction", "extracall",
    "additionalcall",
)  # fmt: skip
SETUP_KEYS = ("setupfee", "setup", "onetimefee")
INCREMENT_KEYS = ("billingincrementseconds", "incrementseconds", "billingincrement")
QUOTE_KEYS = ("quoteonly", "contactsales", "custom", "isquote")

_UNIT_WORDS = {
    "month": "month", "mo": "month", "monthly": "month", "mon": "month",
    "minute": "minute", "min": "minute",
    "call": "call", "conversation": "call", "interaction": "call",
    "seat": "seat_month", "seatmonth": "seat_month", "agentmonth": "seat_month",
    "hour": "agent_hour", "agenthour": "agent_hour", "hr": "agent_hour",
    "year": "year", "yr": "year", "annual": "year", "yearly": "year",
}  # fmt: skip


def _get(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    folded = {_fold(k): v for k, v in obj.items() if isinstance(k, str)}
    for key in keys:
        if key in folded and folded[key] not in (None, ""):
            return folded[key]
    return None


def _money(value: Any, currency: str) -> Decimal | None:
    """A JSON number, or a string such as "$99" or "99.00"; None when it is not money."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value).strip()
    found = ratetext.find_money(text, currency)
    if found:
        return found[0].amount
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, int):
        return value
    match = re.search(r"\d[\d,]*", str(value))
    return int(match.group().replace(",", "")) if match else None


def _unit(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    word = _fold(value.split("/")[-1].replace("per", "", 1) if "/" in value else value)
    word = word.removeprefix("per")
    return _UNIT_WORDS.get(word) or _UNIT_WORDS.get(word.rstrip("s"))


def _looks_like_plan(obj: dict[str, Any]) -> bool:
    if not isinstance(_get(obj, NAME_KEYS), str):
        return False
    has_price = _get(obj, PRICE_KEYS) is not None or _get(obj, CENTS_KEYS) is not None
    return has_price or _get(obj, QUOTE_KEYS) is True


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Plan-shaped objects in document order; a plan's own children are not searched again."""
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))
        elif isinstance(current, dict):
            if _looks_like_plan(current):
                yield current
            else:
                stack.extend(reversed(list(current.values())))


def _plan(obj: dict[str, Any], raw: str, currency: str) -> RatePlan | None:
    cur = _get(obj, CURRENCY_KEYS)
    cur = cur.upper() if isinstance(cur, str) and cur.upper() in CURRENCIES else currency
    name = " ".join(str(_get(obj, NAME_KEYS)).split())
    price = _money(_get(obj, PRICE_KEYS), cur)
    if price is None and (cents := _money(_get(obj, CENTS_KEYS), cur)) is not None:
        price = cents / 100
    unit = _unit(_get(obj, UNIT_KEYS)) or "month"
    annual = _money(_get(obj, ANNUAL_KEYS), cur)
    if unit == "year" and price is not None:  # a yearly-only price: both carry the monthly figure
        price = annual = price / 12
        unit = "month"
    if price is None:
        if _get(obj, QUOTE_KEYS) is not True:
            return None
        unit = "quote"
    compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    increment = _count(_get(obj, INCREMENT_KEYS))

    def money(keys: tuple[str, ...]) -> Decimal | None:
        value = _money(_get(obj, keys), cur)
        return ratetext.cents(value) if value is not None else None

    try:
        return RatePlan(
            name=name,
            price=ratetext.cents(price) if price is not None else None,
            currency=cur,
            unit=unit,  # type: ignore[arg-type]
            included_minutes=_count(_get(obj, MINUTES_KEYS)),
            included_calls=_count(_get(obj, CALLS_KEYS)),
            overage_per_minute=money(OVERAGE_MINUTE_KEYS),
            overage_per_call=money(OVERAGE_CALL_KEYS),
            setup_fee=money(SETUP_KEYS),
            billing_increment_seconds=increment if increment in (1, 6, 30, 60) else None,
            annual_price_per_month=ratetext.cents(annual) if annual is not None else None,
            # Verbatim when the page writes its JSON compactly (as Next.js does).
            evidence=compact if compact in raw else compact[:300],
        )
    except ValueError:
        return None  # a negative or otherwise impossible value: not a plan we can trust


def extract_nextdata(html: str, currency: str) -> tuple[list[RatePlan], list[str]]:
    """Plans from embedded JSON blobs; a page without one gives no plans and no warning."""
    head = html[:MAX_BLOB_CHARS]
    if "application/json" not in head:
        return [], []
    plans: list[RatePlan] = []
    warnings: list[str] = []
    seen: set[tuple[object, ...]] = set()
    for script in Selector(text=head).css(BLOB_SELECTOR):
        raw = script.xpath("string()").get() or ""
        label = script.attrib.get("id") or "data-pricing"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            warnings.append(f"embedded JSON {label} is not valid JSON: {exc.msg} at char {exc.pos}")
            continue
        for obj in _walk(data):
            plan = _plan(obj, raw, currency)
            if plan is None:
                continue
            key = (plan.name, plan.price, plan.unit)
            if key not in seen:  # the same plan listed twice (monthly/annual views) counts once
                seen.add(key)
                plans.append(plan)
    return plans, warnings
