"""The structured-data layer: schema.org offers in JSON-LD, microdata and RDFa, through extruct."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import extruct

from benchmark.model import CURRENCIES, RatePlan
from scrapers.extraction import ratetext
from scrapers.markup import MAX_STRUCTURED_CHARS, syntaxes_in

# UN/CEFACT common codes and the words pages put in unitText.
_UNIT_CODES = {
    "MON": "month",
    "MTH": "month",
    "MONTH": "month",
    "MIN": "minute",
    "MINUTE": "minute",
    "HUR": "agent_hour",
    "HOUR": "agent_hour",
    "ANN": "year",
    "YEAR": "year",
    "CALL": "call",
    "SEAT": "seat_month",
}
_OFFER_TYPES = {"Offer", "AggregateOffer"}
_SPEC_TYPES = {"PriceSpecification", "UnitPriceSpecification", "CompoundPriceSpecification"}


def _types(item: dict[str, Any]) -> set[str]:
    value = item.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values if v}


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return " ".join(str(value).split()) if value not in (None, "") else None


def _decimal(value: Any) -> Decimal | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value")
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    found = ratetext.find_money(f"${value}" if not str(value).strip()[:1].isalpha() else str(value))
    if found:
        return found[0].amount
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _unit(spec: dict[str, Any]) -> str | None:
    for source in (spec.get("referenceQuantity"), spec):
        source = _first(source)
        if not isinstance(source, dict):
            continue
        for key in ("unitCode", "unitText"):
            code = _text(source.get(key))
            if code:
                code = code.upper().replace("PER ", "").strip()
                if code in _UNIT_CODES:
                    return _UNIT_CODES[code]
                for word, unit in _UNIT_CODES.items():
                    if word in code and len(word) > 3:
                        return unit
    duration = _text(spec.get("billingDuration"))
    if duration in ("P1M", "1"):
        return "month"
    if duration in ("P1Y", "12"):
        return "year"
    return None


def _walk(node: Any, parent_name: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every offer, with the name of the product or service it belongs to; @graph flattened."""
    stack: list[tuple[Any, str | None]] = [(node, parent_name)]
    while stack:
        current, name = stack.pop()
        if isinstance(current, list):
            stack.extend((item, name) for item in reversed(current))
            continue
        if not isinstance(current, dict):
            continue
        own = _text(current.get("name"))
        if _types(current) & _OFFER_TYPES:
            yield current, name
        child_name = own or name
        for key, value in current.items():
            if key in ("@context",):
                continue
            if isinstance(value, dict | list):
                stack.append((value, child_name))


def _offer_plan(offer: dict[str, Any], parent: str | None, currency: str) -> RatePlan | None:
    specs = offer.get("priceSpecification")
    specs = specs if isinstance(specs, list) else [specs] if isinstance(specs, dict) else []
    specs = [s for s in specs if isinstance(s, dict)]
    name = _text(offer.get("name")) or parent
    description = _text(offer.get("description")) or ""
    cur = _text(offer.get("priceCurrency"))
    price = _decimal(offer.get("price") if "price" in offer else offer.get("lowPrice"))
    unit: str | None = None
    overage_minute = overage_call = setup = annual = None
    included_minutes = included_calls = None
    for spec in specs:
        value = _decimal(spec.get("price"))
        spec_unit = _unit(spec)
        cur = cur or _text(spec.get("priceCurrency"))
        kind = (_text(spec.get("priceType")) or "").lower()
        label = (_text(spec.get("name")) or "").lower()
        if value is None:
            continue
        if "setup" in kind or "setup" in label or "one-time" in label:
            setup = value
            continue
        eligible = _first(spec.get("eligibleQuantity"))
        if isinstance(eligible, dict) and spec_unit in ("minute", "call"):
            limit = _decimal(eligible.get("minValue") or eligible.get("maxValue"))
            if limit is not None and price is not None:
                if spec_unit == "minute":
                    overage_minute = value
                else:
                    overage_call = value
                continue
        if spec_unit == "year":
            annual = value / 12
            continue
        if price is None or unit is None and value == price:
            price, unit = value, spec_unit
        elif spec_unit == "minute":
            overage_minute = value
        elif spec_unit == "call":
            overage_call = value
    if price is None:
        return None
    unit = unit or _unit(offer) or "month"
    if unit == "year":
        annual = price / 12
        price, unit = annual, "month"
    iso = (cur or "").upper()
    rate = ratetext.read_rate([description], currency) if description else ratetext.Rate()
    included_minutes, included_calls = rate.included_minutes, rate.included_calls
    if overage_minute is None and rate.overage_per_minute is not None:
        overage_minute = rate.overage_per_minute
    if unit == "month" and rate.unit == "month" and rate.price != price:
        pass
    return RatePlan(
        name=name,
        price=ratetext.cents(price),
        currency=iso if iso in CURRENCIES else currency,
        unit=unit if unit != "year" else "month",  # type: ignore[arg-type]
        included_minutes=included_minutes,
        included_calls=included_calls,
        overage_per_minute=ratetext.cents(overage_minute) if overage_minute is not None else None,
        overage_per_call=ratetext.cents(overage_call) if overage_call is not None else None,
        setup_fee=ratetext.cents(setup) if setup is not None else rate.setup_fee,
        billing_increment_seconds=rate.billing_increment_seconds,
        annual_price_per_month=ratetext.cents(annual) if annual is not None else None,
        evidence=" ".join(filter(None, [name, _text(offer.get("price")), description]))[:300],
    )


def extract_structured(
    html: str, url: str | None, currency: str, syntaxes: Collection[str] | None = None
) -> tuple[list[RatePlan], list[str]]:
    """Plans from schema.org offers; a page without them gives no plans and no warning.

    `syntaxes`: those the page's markup holds (scrapers.markup), when the caller has looked.
    """
    head = html[:MAX_STRUCTURED_CHARS]
    syntaxes = list(syntaxes) if syntaxes is not None else syntaxes_in(head)
    if not syntaxes:
        return [], []
    try:
        data = extruct.extract(
            head,
            base_url=url,
            syntaxes=syntaxes,
            uniform=True,
            errors="ignore",
        )
    except Exception as exc:  # noqa: BLE001 - extruct raises many kinds on hostile markup
        return [], [f"structured data could not be read: {type(exc).__name__}"]
    plans: list[RatePlan] = []
    warnings: list[str] = []
    for syntax in ("json-ld", "microdata", "rdfa"):
        for offer, parent in _walk(data.get(syntax) or []):
            try:
                plan = _offer_plan(offer, parent, currency)
            except (ValueError, TypeError) as exc:
                warnings.append(f"{syntax} offer skipped: {exc}")
                continue
            if plan is not None and all(
                (p.name, p.price) != (plan.name, plan.price) for p in plans
            ):
                plans.append(plan)
    return plans, warnings
