"""Rate plans from one pricing page, by the extraction contract (DESIGN.md).

Three layers, in order of precedence: schema.org structured data, page objects for hosts that
need them, and the generic extractor for any other page. `extract_plans` never raises on bad
page content: it returns zero plans and says why in `warnings`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from benchmark.model import CURRENCIES, RatePlan
from scrapers.extraction import ratetext
from scrapers.extraction.document import load_document
from scrapers.extraction.generic import extract_generic
from scrapers.extraction.nextdata import extract_nextdata
from scrapers.extraction.pages import page_object_for
from scrapers.extraction.structured import extract_structured

ALL_LAYERS: tuple[str, ...] = ("structured", "page_objects", "generic")


@dataclass(frozen=True)
class Extraction:
    """What one page offers: its plans and what went wrong reading it."""

    url: str | None
    plans: list[RatePlan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_contract(self) -> dict[str, Any]:
        """The contract's JSON object: {"url", "plans", "warnings"}."""
        return {
            "url": self.url,
            "plans": [plan.to_contract() for plan in self.plans],
            "warnings": list(self.warnings),
        }


def page_currency(
    url: str | None, lang: str | None, country: str | None, currency: str | None
) -> str:
    """The currency a bare "$" means: registry hint, then <html lang>, then domain, else USD."""
    if currency:
        return currency.upper()
    host = urlsplit(url).hostname if url else None
    return (
        ratetext.currency_for_country(country)
        or ratetext.currency_from_lang(lang)
        or ratetext.currency_from_host(host)
        or "USD"
    )


def extract_plans(
    html: str | bytes,
    url: str | None = None,
    *,
    country: str | None = None,
    currency: str | None = None,
    layers: Collection[str] = ALL_LAYERS,
    structured_syntaxes: Collection[str] | None = None,
) -> Extraction:
    """Read the rate plans of one page. Raises only on wrong arguments, never on page content.

    `structured_syntaxes`: the structured-data syntaxes the page's markup holds, when the
    caller has already looked (scrapers.markup); else they are looked for here.
    """
    if not isinstance(html, str | bytes):
        raise TypeError(f"html must be str or bytes, got {type(html).__name__}")
    unknown = set(layers) - set(ALL_LAYERS)
    if unknown:
        raise ValueError(f"unknown layers {sorted(unknown)}; known: {', '.join(ALL_LAYERS)}")
    if currency is not None and currency.upper() not in CURRENCIES:
        raise ValueError(f"currency {currency!r} is not one of {', '.join(CURRENCIES)}")
    doc = load_document(html)
    warnings = list(doc.warnings)
    if doc.root is None:
        return Extraction(url, [], warnings)
    cur = page_currency(url, doc.lang, country, currency)
    text = html if isinstance(html, str) else html.decode("utf-8", errors="replace")
    plans: list[RatePlan] = []
    if "structured" in layers:
        found, notes = extract_structured(text, url, cur, structured_syntaxes)
        blob_plans, blob_notes = extract_nextdata(text, cur)  # embedded JSON blobs
        found, notes = found + blob_plans, notes + blob_notes
        plans.extend(found)
        warnings.extend(notes)
    if "page_objects" in layers and url:
        page_cls = page_object_for(urlsplit(url).hostname)
        if page_cls is not None:
            try:
                found_po = page_cls(url, Selector(text=text), cur).plans()
            except Exception as exc:  # noqa: BLE001 - a broken page object must not lose the page
                warnings.append(f"page object {page_cls.__name__} failed: {exc}")
                found_po = None
            if found_po is not None:
                return Extraction(url, _merge(plans, found_po), warnings)
    if "generic" in layers:
        found_g, notes = extract_generic(doc, cur)
        plans = _merge(plans, found_g)
        warnings.extend(notes)
    if not plans:
        warnings.append("no rate plans found on the page")
    return Extraction(url, plans, warnings)


def _merge(first: list[RatePlan], second: list[RatePlan]) -> list[RatePlan]:
    """Plans of a higher layer win; a lower layer adds plans the higher one lacks.

    Where both layers read the same plan (same price and unit, or same name), the higher layer's
    values stand and the lower layer fills what it left empty; the shown name and the verbatim
    evidence come from the page text when the lower layer read them there.
    """
    if not first:
        return list(second)
    used: set[int] = set()
    merged: list[RatePlan] = []
    for plan in first:
        twin_index = next(
            (
                i
                for i, other in enumerate(second)
                if i not in used
                and (
                    (other.price, other.unit) == (plan.price, plan.unit)
                    or _fold(other.name) and _fold(other.name) == _fold(plan.name)
                )
            ),
            None,
        )
        if twin_index is None:
            merged.append(plan)
            continue
        used.add(twin_index)
        twin = second[twin_index]
        filled = {
            key: getattr(twin, key)
            for key in RatePlan.__dataclass_fields__
            if getattr(plan, key) is None and getattr(twin, key) is not None
        }
        if twin.name:
            filled["name"] = twin.name
        if twin.evidence:
            filled["evidence"] = twin.evidence
        merged.append(replace(plan, **filled))
    names = {_fold(p.name) for p in merged}
    prices = {(p.price, p.unit) for p in merged}
    merged.extend(
        p
        for i, p in enumerate(second)
        if i not in used and _fold(p.name) not in names and (p.price, p.unit) not in prices
    )
    return merged


def _fold(name: str | None) -> str:
    return " ".join((name or "").lower().split())
