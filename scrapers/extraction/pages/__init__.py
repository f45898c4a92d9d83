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
