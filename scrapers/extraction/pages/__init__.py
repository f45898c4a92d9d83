"""Page objects: one module per domain, selectors only, for pages the generic layer misreads.

Each module defines a subclass of `PricingPage` and registers it with `@register("host")`.
A page object receives the parsed page and returns the plans it reads, or None to say "not
this page" (another path on the same host), so the other layers run instead.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from parsel import Selector

from benchmark.model import RatePlan
from scrapers.extraction import ratetext

_REGISTRY: dict[str, type[PricingPage]] = {}


@dataclass(frozen=True)
class PricingPage:
    """A web-poet style page object: the response in, plans out; selectors only."""

    url: str | None
    selector: Selector
    currency: str

    def plans(self) -> list[RatePlan] | None:
        """The page's plans, or None when this page object does not apply to this URL."""
        raise NotImplementedError


def rate_plan(name: str | None, rate: ratetext.Rate, currency: str) -> RatePlan | None:
    """The contract plan for what `ratetext.read_rate` read; None when it found no price or quote."""
    if rate.unit is None:
        return None
    return rate.to_plan(" ".join(name.split()) if name else None, currency)


def text_of(selector: Selector) -> str:
    """An element's visible text, whitespace collapsed ("" when nothing matched)."""
    return " ".join(" ".join(selector.xpath(".//text()").getall()).split())


def register(*hosts: str) -> Callable[[type[PricingPage]], type[PricingPage]]:
    """Class decorator: use this page object for these hosts ("www." is ignored)."""

    def wrap(cls: type[PricingPage]) -> type[PricingPage]:
        for host in hosts:
            _REGISTRY[_bare(host)] = cls
        return cls

    return wrap


def _bare(host: str) -> str:
    host = host.lower().strip(".")
    return host[4:] if host.startswith("www.") else host


def page_object_for(host: str | None) -> type[PricingPage] | None:
    """The page object registered for a host, if any."""
    _load_all()
    return _REGISTRY.get(_bare(host or ""))


_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True
